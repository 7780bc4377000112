package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.PublishRequest;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.VerifyJob;
import java.time.Duration;
import java.util.List;
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
        VerifyRates oneMinute = new VerifyRates(Duration.ofMinutes(1), Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE,
                Long.MAX_VALUE, Long.MAX_VALUE);
        Fixture g = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10)
                .withVerifyRates(oneMinute));
        g.createCache("team");
        Fixture.Nar a = nar("a");
        Fixture.Nar b = nar("b");
        Fixture.Nar c = nar("c");
        g.uploadAll("team", a, b, c);
        g.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(a.info(), b.info(), c.info())));
        // Each path really takes ten minutes: the time that passed counts, not only the estimates.
        g.objects.afterHead(key -> {
            if (key.startsWith(Layout.STAGING_ROOT)) {
                g.clock.advance(Duration.ofMinutes(10));
            }
        });

        assertThat(g.services.verify().run(g.queue.jobs().getFirst())).extracting(VerifyService.Outcome::path)
                .containsExactly(a.path().toString(), b.path().toString());
        assertThat(g.queue.jobs().get(1).storeHashes()).containsExactly(c.path().hash().value());
        assertThat(g.services.verify().run(g.queue.jobs().get(1))).extracting(VerifyService.Outcome::state)
                .containsExactly(PathState.PUBLISHED);
    }
}
