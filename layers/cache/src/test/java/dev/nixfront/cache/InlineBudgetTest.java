package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResponse;
import dev.nixfront.api.PublishResult;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.Compression;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Which paths a publish request verifies itself and which it hands to the verify function: a path
 * is started inline only if the time spent plus its estimated cost, from NAR size and compression,
 * fits the budget, and its file and NAR fit the byte bounds. The clock is the fake's, moved by the
 * reads that stand in for slow verification.
 */
class InlineBudgetTest {
    private static final long MIB = 1024 * 1024;
    /** What costs next to nothing here: a terabyte a second. */
    private static final long FREE = 1_000_000_000_000L;
    /** Almost free file reads and copies and no fixed cost, so only the NAR term counts; xz slower than zstd. */
    private static final VerifyRates SLOW_DECOMPRESSION = new VerifyRates(Duration.ZERO, FREE, FREE, FREE, 400_000, 175_000);

    /** 2 MiB of zeros: a file of a few KiB that decompresses to a 2 MiB NAR. */
    private static Fixture.Nar zeros(String name, Compression compression) {
        return nar(name, Map.of("zeros", "\0".repeat((int) (2 * MIB))), compression);
    }

    private static PublishResponse publish(Fixture f, Fixture.Nar... nars) {
        return f.services.publish().publish(ADMIN, "team", new PublishRequest(Arrays.stream(nars).map(Fixture.Nar::info).toList()));
    }

    /** Where the upload waits, and so what verification reads. */
    private static String stagingKey(Fixture.Nar n) {
        return "_staging/team/" + Fixture.staged(n.fileHash()) + ".nar" + n.compression().fileExtension();
    }

    private static List<String> states(PublishResponse response) {
        return response.results().stream().map(PublishResult::state).toList();
    }

    private static void assertNotReadable(Fixture f, Fixture.Nar... nars) {
        for (Fixture.Nar n : nars) {
            assertThat(f.objects.object("team/" + n.path().hash() + ".narinfo")).as(n.path().toString()).isEmpty();
        }
    }

    @Test
    void aPathThatWouldRunPastTheBudgetIsDeferredInsteadOfStartedAtNineteenPointNineSeconds() {
        Fixture f = new Fixture();
        f.createCache("team");
        Fixture.Nar slow = nar("slow");
        // Started (and judged) at 0 s beside the slow one: the request verifies a few NARs at once, ahead of the writes.
        List<Fixture.Nar> beside = besides(VerifyAhead.AHEAD - 1);
        Fixture.Nar next = nar("next");
        Fixture.Nar last = nar("last");
        Fixture.Nar[] all = batch(slow, beside, next, last);
        f.uploadAll("team", all);
        List<String> reads = new CopyOnWriteArrayList<>();
        CountDownLatch besideStarted = new CountDownLatch(beside.size());
        f.objects.afterGet(key -> {
            reads.add(key);
            if (key.equals(stagingKey(slow))) {
                awaitQuietly(besideStarted);
                f.clock.advance(Duration.ofMillis(19_900));
            } else {
                besideStarted.countDown();
            }
        });

        PublishResponse response = publish(f, all);

        // 19.9 s spent is under the 20 s budget, but no path can be verified and published in 0.1 s.
        List<String> expected = new ArrayList<>(Collections.nCopies(VerifyAhead.AHEAD, "published"));
        expected.addAll(List.of("verifying", "verifying"));
        assertThat(states(response)).containsExactlyElementsOf(expected);
        assertThat(reads).containsExactlyInAnyOrderElementsOf(Arrays.stream(all).limit(VerifyAhead.AHEAD).map(InlineBudgetTest::stagingKey).toList());
        assertNotReadable(f, next, last);
        assertThat(f.queue.jobs()).hasSize(1);
        assertThat(f.queue.jobs().getFirst().storeHashes())
                .containsExactly(next.path().hash().value(), last.path().hash().value());

        f.services.verify().run(f.queue.jobs().getFirst());
        assertThat(f.services.query().status(ADMIN, "team", last.path().hash().value()).state()).isEqualTo("published");
    }

    /** Paths that cost nothing to speak of, to fill the places beside the one a test is about. */
    private static List<Fixture.Nar> besides(int count) {
        List<Fixture.Nar> beside = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            beside.add(nar("beside-" + i));
        }
        return beside;
    }

    private static Fixture.Nar[] batch(Fixture.Nar first, List<Fixture.Nar> beside, Fixture.Nar... rest) {
        List<Fixture.Nar> all = new ArrayList<>();
        all.add(first);
        all.addAll(beside);
        all.addAll(Arrays.asList(rest));
        return all.toArray(Fixture.Nar[]::new);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            assertThat(latch.await(30, TimeUnit.SECONDS)).as("the paths beside it started").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void pathsVerifiedAtOnceCountAsIfOneAfterTheOther() {
        // Each costs 7 s by its estimate: three at once fit the 20 s budget only as 21 s, so the third waits for the verify function.
        VerifyRates sevenSeconds = new VerifyRates(Duration.ofSeconds(7), FREE, FREE, FREE, FREE, FREE);
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withVerifyRates(sevenSeconds));
        f.createCache("team");
        Fixture.Nar a = nar("a");
        Fixture.Nar b = nar("b");
        Fixture.Nar c = nar("c");
        f.uploadAll("team", a, b, c);

        assertThat(states(publish(f, a, b, c))).containsExactly("published", "published", "verifying");
    }

    @Test
    void theEstimateCountsTheNarAndItsCompressionNotOnlyTheFile() {
        Fixture.Nar zstd = zeros("zeros-zstd", Compression.ZSTD);
        Fixture.Nar xz = zeros("zeros-xz", Compression.XZ);
        assertThat(xz.file().length).isLessThan(64 * 1024);
        // At 100 kB/s, xz's 2 MiB NAR alone takes 21 s; zstd's, at 10 MB/s, a fifth of a second.
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withVerifyRates(
                new VerifyRates(Duration.ZERO, FREE, FREE, FREE, 10_000_000, 100_000)));
        f.createCache("team");
        f.uploadAll("team", zstd, xz);
        List<String> reads = new CopyOnWriteArrayList<>();
        f.objects.afterGet(reads::add);

        assertThat(states(publish(f, xz, zstd))).containsExactly("verifying", "published");

        assertThat(reads).containsExactly(stagingKey(zstd));
        assertNotReadable(f, xz);
        assertThat(f.services.verify().run(f.queue.jobs().getFirst())).extracting(VerifyService.Outcome::state)
                .containsExactly(PathState.PUBLISHED);
    }

    @Test
    void whatStillFitsAfterTheTimeSpentIsVerifiedInlineAndWhatDoesNotIsDeferred() {
        Fixture.Nar first = nar("first");
        Fixture.Nar zstd = zeros("zeros-zstd", Compression.ZSTD);
        Fixture.Nar xz = zeros("zeros-xz", Compression.XZ);
        Duration zstdCost = SLOW_DECOMPRESSION.estimate(zstd.file().length, zstd.info().narSize(), Compression.ZSTD);
        Duration xzCost = SLOW_DECOMPRESSION.estimate(xz.file().length, xz.info().narSize(), Compression.XZ);
        assertThat(zstdCost).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(6));
        assertThat(xzCost).isBetween(Duration.ofSeconds(11), Duration.ofSeconds(13));
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withVerifyRates(SLOW_DECOMPRESSION));
        f.createCache("team");
        // Cost nothing by the estimate, and fill the paths verified beside the first: zstd and xz are judged once it is done.
        Fixture.Nar[] all = batch(first, besides(VerifyAhead.AHEAD - 1), zstd, xz);
        f.uploadAll("team", all);
        f.objects.afterGet(key -> {
            if (key.equals(stagingKey(first))) {
                f.clock.advance(Duration.ofSeconds(10));
            }
        });

        // 10 s + ~5 s fits the 20 s budget, 10 s + ~5 s (zstd, still being verified) + ~12 s does not.
        List<String> expected = new ArrayList<>(Collections.nCopies(VerifyAhead.AHEAD + 1, "published"));
        expected.add("verifying");
        assertThat(states(publish(f, all))).containsExactlyElementsOf(expected);
        assertNotReadable(f, xz);

        // From a standing start the same xz path fits, and a request publishes it itself.
        Fixture fresh = new Fixture(CacheSettings.defaults("https://c.example").withVerifyRates(SLOW_DECOMPRESSION));
        fresh.createCache("team");
        fresh.upload("team", xz);
        assertThat(states(publish(fresh, xz))).containsExactly("published");
        assertThat(fresh.queue.jobs()).isEmpty();
    }

    @Test
    void theCopyIntoNarCountsInTheEstimate() {
        Fixture.Nar nar = nar("copied");
        long fileSize = nar.file().length;
        Duration budget = CacheSettings.defaults("https://c.example").inlineTimeBudget();
        // Reading, decompressing and hashing are free; copying the file from staging takes 30 s.
        VerifyRates slowCopy = new VerifyRates(Duration.ZERO, FREE, Math.max(1, fileSize / 30), FREE, FREE, FREE);
        assertThat(slowCopy.estimate(fileSize, nar.info().narSize(), Compression.ZSTD)).isGreaterThan(budget);

        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withVerifyRates(slowCopy));
        f.createCache("team");
        f.upload("team", nar);
        assertThat(states(publish(f, nar))).containsExactly("verifying");
        assertNotReadable(f, nar);

        Fixture fast = new Fixture(CacheSettings.defaults("https://c.example")
                .withVerifyRates(new VerifyRates(Duration.ZERO, FREE, FREE, FREE, FREE, FREE)));
        fast.createCache("team");
        fast.upload("team", nar);
        assertThat(states(publish(fast, nar))).containsExactly("published");
    }

    @Test
    void theNarSizeIsBoundedAsWellAsTheFileSize() {
        Fixture.Nar small = nar("small");
        Fixture.Nar zstd = zeros("zeros-zstd", Compression.ZSTD);
        assertThat(zstd.file().length).isLessThan((int) MIB);
        assertThat(zstd.info().narSize()).isGreaterThan(MIB);
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(MIB));
        f.createCache("team");
        f.uploadAll("team", small, zstd);

        assertThat(states(publish(f, zstd, small))).containsExactly("verifying", "published");
        assertNotReadable(f, zstd);

        // The per-request byte budget counts NAR bytes too: the second small path no longer fits.
        Fixture.Nar other = nar("other");
        Fixture g = new Fixture(CacheSettings.defaults("https://c.example")
                .withInlineBatchBudgetBytes(small.info().narSize() + other.info().narSize() - 1));
        g.createCache("team");
        g.uploadAll("team", small, other);
        assertThat(small.info().narSize()).isGreaterThan(small.file().length);
        assertThat(other.info().narSize()).isGreaterThan(other.file().length);
        assertThat(states(publish(g, small, other))).containsExactly("published", "verifying");
    }

    @Test
    void theDefaultRatesSendBigXzNarsToTheVerifyFunctionWhateverTheirFileSize() {
        VerifyRates rates = VerifyRates.defaults();
        Duration budget = CacheSettings.defaults("https://c.example").inlineTimeBudget();
        // A 256 MiB xz file may hold a NAR of a GiB and more: never inline, at 20 MB/s a minute of work.
        assertThat(rates.estimate(256 * MIB, 1024 * MIB, Compression.XZ)).isGreaterThan(Duration.ofSeconds(29));
        // The documented examples: 256 MiB NARs as zstd (~70 MB file), incompressible, and xz (~60 MB),
        // each read, decompressed, hashed and then copied into nar/.
        assertThat(rates.estimate(70_000_000, 256 * MIB, Compression.ZSTD)).isBetween(Duration.ofSeconds(6), Duration.ofSeconds(7));
        assertThat(rates.estimate(256 * MIB, 256 * MIB, Compression.NONE)).isBetween(Duration.ofSeconds(14), Duration.ofSeconds(15));
        assertThat(rates.estimate(60_000_000, 256 * MIB, Compression.XZ)).isBetween(Duration.ofSeconds(16), budget);
        // Absurd claims saturate instead of overflowing.
        assertThat(rates.estimate(Long.MAX_VALUE, Long.MAX_VALUE, Compression.XZ)).isGreaterThan(Duration.ofDays(365));
    }

    @Test
    void aPathTooLargeToVerifyEvenAsynchronouslyIsRefusedBeforeAnythingIsWritten() {
        Fixture.Nar xz = zeros("zeros-huge-xz", Compression.XZ);
        Fixture.Nar zstd = zeros("zeros-fine-zstd", Compression.ZSTD);
        // At 2 kB/s, xz's 2 MiB NAR takes ~17 minutes: beyond what the verify function may take.
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withVerifyRates(
                new VerifyRates(Duration.ZERO, FREE, FREE, FREE, 10_000_000, 2_000)));
        f.createCache("team");
        f.uploadAll("team", zstd, xz);
        List<String> reads = new CopyOnWriteArrayList<>();
        f.objects.afterGet(reads::add);

        DomainException refused = org.assertj.core.api.Assertions.catchThrowableOfType(DomainException.class,
                () -> publish(f, zstd, xz));
        assertThat(refused.kind()).isEqualTo(DomainException.Kind.INVALID);
        assertThat(refused.field()).isEqualTo("paths[1].narSize");
        assertThat(refused.reason()).contains("too large to verify within 14 minutes").contains("--compression zstd");
        assertThat(reads).isEmpty();
        assertThat(f.queue.jobs()).isEmpty();
        assertNotReadable(f, zstd, xz);
    }
}
