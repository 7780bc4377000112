package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResult;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A publish request verifies several NARs at once and writes narinfos and index items one path at a
 * time, references first: verification overlaps, readability keeps the order.
 */
class VerifyAheadTest {
    private final Fixture f = new Fixture();

    private List<String> publish(Fixture.Nar... nars) {
        return f.services.publish().publish(ADMIN, "team", new PublishRequest(Arrays.stream(nars).map(Fixture.Nar::info).toList()))
                .results().stream().map(PublishResult::state).toList();
    }

    private static String staging(Fixture.Nar n) {
        return "_staging/team/" + Fixture.staged(n.fileHash()) + ".nar" + n.compression().fileExtension();
    }

    private static void await(CountDownLatch latch, String what) {
        try {
            assertThat(latch.await(30, TimeUnit.SECONDS)).as(what).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The same number of bytes, one of them changed: the upload fails on its FileHash. */
    private void corrupt(Fixture.Nar n) {
        byte[] bytes = f.objects.object(staging(n)).orElseThrow().body().clone();
        bytes[bytes.length - 1] ^= 1;
        f.objects.store(staging(n), bytes, "application/x-nix-nar", null);
    }

    @Test
    void aReferrerIsVerifiedWhileItsReferenceIsAndWrittenAfterIt() {
        f.createCache("team");
        Fixture.Nar dep = nar("dep");
        Fixture.Nar app = nar("app", dep.path());
        f.uploadAll("team", dep, app);
        // The reference's read waits for the referrer's: one after the other, this never ends.
        CountDownLatch appRead = new CountDownLatch(1);
        f.objects.afterGet(key -> {
            if (key.equals(staging(dep))) {
                await(appRead, "the referrer is verified while its reference is");
            } else if (key.equals(staging(app))) {
                appRead.countDown();
            }
        });

        assertThat(publish(app, dep)).containsExactly("published", "published");

        List<String> writes = new ArrayList<>(f.objects.writes());
        assertThat(writes.indexOf("put team/" + dep.path().hash() + ".narinfo"))
                .isLessThan(writes.indexOf("put team/" + app.path().hash() + ".narinfo"));
        assertThat(f.paths.writes()).containsExactly("published " + dep.path().hash(), "published " + app.path().hash());
    }

    @Test
    void theVerifyFunctionAlsoVerifiesAReferrerWhileItsReferenceIsAndWritesItAfter() {
        Fixture g = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        g.createCache("team");
        Fixture.Nar dep = nar("dep");
        Fixture.Nar app = nar("app", dep.path());
        g.uploadAll("team", dep, app);
        assertThat(g.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info(), dep.info()))).results())
                .extracting(PublishResult::state).containsExactly("verifying", "verifying");
        CountDownLatch appRead = new CountDownLatch(1);
        g.objects.afterGet(key -> {
            if (key.equals(staging(dep))) {
                await(appRead, "the referrer is verified while its reference is");
            } else if (key.equals(staging(app))) {
                appRead.countDown();
            }
        });

        assertThat(g.services.verify().run(g.queue.jobs().getFirst())).extracting(VerifyService.Outcome::path)
                .containsExactly(dep.path().toString(), app.path().toString());

        List<String> writes = new ArrayList<>(g.objects.writes());
        assertThat(writes.indexOf("put team/" + dep.path().hash() + ".narinfo"))
                .isLessThan(writes.indexOf("put team/" + app.path().hash() + ".narinfo"));
        assertThat(g.services.query().status(ADMIN, "team", app.path().hash().value()).state()).isEqualTo("published");
    }

    @Test
    void aFailedVerificationStopsTheBatchAndThePathsVerifiedBesideItAreNotReadable() {
        f.createCache("team");
        Fixture.Nar good = nar("good");
        Fixture.Nar bad = nar("bad");
        Fixture.Nar after = nar("after");
        f.uploadAll("team", good, bad, after);
        corrupt(bad);
        // after is verified beside bad (its read waits for bad's), and copied into nar/, but never written.
        CountDownLatch badRead = new CountDownLatch(1);
        f.objects.afterGet(key -> {
            if (key.equals(staging(after))) {
                await(badRead, "after is verified beside bad");
            } else if (key.equals(staging(bad))) {
                badRead.countDown();
            }
        });

        DomainException refused = catchThrowableOfType(DomainException.class, () -> publish(good, bad, after));

        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.field()).isEqualTo("paths[1].fileHash");
        assertThat(f.objects.object("team/" + good.path().hash() + ".narinfo")).isPresent();
        assertThat(f.objects.object("team/" + after.path().hash() + ".narinfo")).isEmpty();
        assertThat(f.paths.writes()).doesNotContain("published " + after.path().hash());

        // Its NAR waits under nar/ as after a crash between copy and narinfo: publishing again finds it there.
        f.objects.afterGet(key -> { });
        assertThat(publish(after)).containsExactly("published");
    }

    @Test
    void whatPathsVerifiedBesideAFailureCopiedIsRemovedWhenTheCacheWasDeletedMeanwhile() {
        f.createCache("team");
        CacheRecord first = f.caches.get(CacheName.of("team")).orElseThrow();
        Fixture.Nar bad = nar("bad");
        Fixture.Nar after = nar("after");
        f.uploadAll("team", bad, after);
        corrupt(bad);
        // The cache is marked deleted (its sweep not yet run) once after's NAR is copied; bad's
        // failure then ends the batch, and only the publisher can take that copy back.
        CountDownLatch afterCopied = new CountDownLatch(1);
        AtomicBoolean deleted = new AtomicBoolean();
        f.objects.afterWrite(entry -> {
            if (entry.equals("delete " + staging(after)) && deleted.compareAndSet(false, true)) {
                assertThat(f.caches.markDeleted(CacheName.of("team"), first.incarnation(), f.clock.instant())).isTrue();
                afterCopied.countDown();
            }
        });
        f.objects.afterGet(key -> {
            if (key.equals(staging(bad))) {
                await(afterCopied, "after is copied beside bad");
            }
        });

        DomainException refused = catchThrowableOfType(DomainException.class, () -> publish(bad, after));

        assertThat(deleted).isTrue();
        assertThat(refused.status()).isEqualTo(404);
        assertThat(f.objects.keys()).as("the NAR after copied is undone with the rest").noneMatch(k -> k.startsWith("team/nar/"));
        assertThat(f.paths.record(first, after.path().hash())).isEmpty();
    }
}
