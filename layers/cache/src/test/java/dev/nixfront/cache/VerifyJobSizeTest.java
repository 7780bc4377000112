package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.PublishRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.VerifyJob;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A verify run does only the work that fits the function's timeout and hands the rest on, in
 * reference order: one job carrying every deferred path of a request used to outlast 15 minutes.
 */
class VerifyJobSizeTest {
    /** Every path is estimated at five minutes, whatever its size. */
    private static final VerifyRates FIVE_MINUTES = new VerifyRates(Duration.ofMinutes(5), Long.MAX_VALUE, Long.MAX_VALUE,
            Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);

    private final Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10)
            .withVerifyRates(FIVE_MINUTES));

    @Test
    void aRunStopsBeforeItsTimeAndHandsTheRestOnInReferenceOrder() {
        f.createCache("team");
        Fixture.Nar a = nar("a");
        Fixture.Nar b = nar("b", a.path());
        Fixture.Nar c = nar("c", b.path());
        Fixture.Nar d = nar("d", c.path());
        f.uploadAll("team", a, b, c, d);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(d.info(), c.info(), b.info(), a.info())));
        assertThat(f.queue.jobs()).hasSize(1);

        // Two paths of five minutes fit in the 14 a run may take; a third would not.
        var first = f.services.verify().run(f.queue.jobs().getFirst());

        assertThat(first).extracting(VerifyService.Outcome::path).containsExactly(a.path().toString(), b.path().toString());
        assertThat(first).extracting(VerifyService.Outcome::state).containsOnly(PathState.PUBLISHED);
        assertThat(f.queue.jobs()).hasSize(2);
        VerifyJob rest = f.queue.jobs().get(1);
        assertThat(rest.storeHashes()).containsExactly(c.path().hash().value(), d.path().hash().value());
        assertThat(f.services.query().status(ADMIN, "team", c.path().hash().value()).state()).isEqualTo("verifying");

        assertThat(f.services.verify().run(rest)).extracting(VerifyService.Outcome::state)
                .containsExactly(PathState.PUBLISHED, PathState.PUBLISHED);
        assertThat(f.queue.jobs()).hasSize(2);
    }

    @Test
    void aStoreSlowerThanEstimatedStillEndsTheRunInTime() {
        VerifyRates halfAMinute = new VerifyRates(Duration.ofSeconds(30), Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE,
                Long.MAX_VALUE, Long.MAX_VALUE);
        Fixture g = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10)
                .withVerifyRates(halfAMinute));
        g.createCache("team");
        // The run verifies a few paths at once, ahead of its writes: the first ones start together, estimated at 30 s each.
        List<Fixture.Nar> together = new ArrayList<>();
        for (int i = 0; i < VerifyAhead.AHEAD; i++) {
            together.add(nar("together-" + i));
        }
        Fixture.Nar later = nar("later");
        Fixture.Nar last = nar("last");
        List<Fixture.Nar> all = new ArrayList<>(together);
        all.add(later);
        all.add(last);
        g.uploadAll("team", all.toArray(Fixture.Nar[]::new));
        g.services.publish().publish(ADMIN, "team", new PublishRequest(all.stream().map(Fixture.Nar::info).toList()));
        // Together they really take 13 minutes and 45 seconds: the time that passed counts, not only their eight
        // minutes of estimates (with which the next path, 30 s more, would fit the 14 minutes).
        assertThat(Duration.ofSeconds(30).multipliedBy(VerifyAhead.AHEAD + 1)).isLessThan(CacheSettings.MAX_VERIFY_TIME);
        // Time passes only once every path ahead has been started (and judged): each is judged before
        // it is started, and looks at its upload only then. (Waiting for the four being verified at
        // once only let the clock jump before the last of them was judged: a flaky test.)
        CountDownLatch started = new CountDownLatch(VerifyAhead.AHEAD);
        String slow = Layout.staging(CacheName.of("team"), together.getFirst().fileHash(), together.getFirst().compression());
        g.objects.afterHead(key -> {
            if (key.startsWith(Layout.STAGING_ROOT)) {
                started.countDown();
            }
            if (key.equals(slow)) {
                try {
                    assertThat(started.await(30, TimeUnit.SECONDS)).as("the first paths start together").isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                g.clock.advance(Duration.ofSeconds(13 * 60 + 45));
            }
        });

        assertThat(g.services.verify().run(g.queue.jobs().getFirst())).extracting(VerifyService.Outcome::path)
                .containsExactlyElementsOf(together.stream().map(n -> n.path().toString()).toList());
        assertThat(g.queue.jobs().get(1).storeHashes()).containsExactly(later.path().hash().value(), last.path().hash().value());
        assertThat(g.services.verify().run(g.queue.jobs().get(1))).extracting(VerifyService.Outcome::state)
                .containsExactly(PathState.PUBLISHED, PathState.PUBLISHED);
    }
}
