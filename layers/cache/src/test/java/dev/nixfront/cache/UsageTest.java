package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.CacheUsage;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PinRecord;
import dev.nixfront.cache.port.RootRecord;
import dev.nixfront.cache.port.UsageCounter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Publishing counts what a cache holds, once per confirmation of a batch (not once per path), and
 * cache info shows it; deleting a cache removes its counters, roots and pins with its paths.
 */
class UsageTest {
    private final Fixture f = new Fixture(CacheSettings.defaults("https://cache.example.org").withNameReservation(Duration.ZERO));

    private void publish(Fixture.Nar... nars) {
        f.services.publish().publish(ADMIN, "team", new PublishRequest(Arrays.stream(nars).map(Fixture.Nar::info).toList()));
    }

    private CacheRecord team() {
        return f.caches.get(CacheName.of("team")).orElseThrow();
    }

    @Test
    void aPublishCountsItsNewPathsAndBytesWithOneUpdateAndCacheInfoShowsThem() {
        f.createCache("team");
        assertThat(f.services.caches().info(ADMIN, "team").usage()).isEqualTo(new CacheUsage(0, 0, null));
        Fixture.Nar dep = nar("dep");
        Fixture.Nar app = nar("app", dep.path());
        f.uploadAll("team", dep, app);
        Instant first = f.clock.instant();

        publish(app, dep);

        assertThat(f.fakes.usage.adds()).as("one update for the batch").isEqualTo(1);
        long bytes = dep.file().length + app.file().length;
        assertThat(f.services.caches().info(ADMIN, "team").usage()).isEqualTo(new CacheUsage(2, bytes, first));

        f.clock.advance(Duration.ofMinutes(5));
        publish(app, dep);
        assertThat(f.fakes.usage.adds()).as("nothing newly published: nothing counted").isEqualTo(1);

        Fixture.Nar more = nar("more", app.path());
        f.upload("team", more);
        publish(more);
        assertThat(f.services.caches().info(ADMIN, "team").usage())
                .isEqualTo(new CacheUsage(3, bytes + more.file().length, first.plus(Duration.ofMinutes(5))));
    }

    @Test
    void aLargeBatchCountsOncePerConfirmation() {
        f.createCache("team");
        List<Fixture.Nar> nars = new ArrayList<>();
        for (int i = 0; i < PublishService.CONFIRM_EVERY + 5; i++) {
            nars.add(nar("p" + i));
        }
        nars.forEach(n -> f.upload("team", n));
        publish(nars.toArray(Fixture.Nar[]::new));

        assertThat(f.fakes.usage.adds()).as("one along the way, one at the end").isEqualTo(2);
        assertThat(f.services.caches().info(ADMIN, "team").usage().paths()).isEqualTo(nars.size());
    }

    @Test
    void theVerifyFunctionCountsWhatItPublishes() {
        Fixture big = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        big.createCache("team");
        Fixture.Nar app = nar("app");
        big.upload("team", app);
        big.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info())));
        assertThat(big.services.caches().info(ADMIN, "team").usage().paths()).as("still verifying").isZero();

        big.services.verify().run(big.queue.jobs().getFirst());

        assertThat(big.services.caches().info(ADMIN, "team").usage()).isEqualTo(new CacheUsage(1, app.file().length, big.clock.instant()));
    }

    @Test
    void aFailedCountLeavesThePublishDoneAndSaysSoInAMetric() {
        f.createCache("team");
        Fixture.Nar app = nar("app");
        f.upload("team", app);
        f.fakes.usage.failing = new IllegalStateException("throttled");

        var answer = f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info())));

        assertThat(answer.results().getFirst().state()).isEqualTo("published");
        assertThat(f.metrics.total("PathsPublished")).isEqualTo(1);
        assertThat(f.metrics.total("UsageNotCounted")).isEqualTo(1);
    }

    @Test
    void deletingACacheRemovesItsCountersRootsAndPinsAndANewCacheOfTheNameStartsAtZero() {
        f.createCache("team");
        f.createCache("other");
        Fixture.Nar app = nar("app");
        f.upload("team", app);
        publish(app);
        CacheRecord old = team();
        CacheRecord other = f.caches.get(CacheName.of("other")).orElseThrow();
        f.fakes.roots.record(old, List.of(new RootRecord(app.path(), f.clock.instant())));
        f.fakes.pins.put(old, new PinRecord("release", 1, List.of(new PinRecord.Revision(app.path(), f.clock.instant())), 1), null);
        f.fakes.roots.record(other, List.of(new RootRecord(app.path(), f.clock.instant())));
        f.fakes.usage.add(other, 1, 1, f.clock.instant());

        f.services.caches().delete(ADMIN, "team");

        assertThat(f.fakes.usage.read(old)).isEqualTo(UsageCounter.Usage.NONE);
        assertThat(f.fakes.roots.list(old)).isEmpty();
        assertThat(f.fakes.pins.list(old)).isEmpty();
        assertThat(f.fakes.roots.list(other)).as("another cache's are left").hasSize(1);
        assertThat(f.fakes.usage.read(other).paths()).isEqualTo(1);

        f.createCache("team");
        assertThat(team().incarnation()).isNotEqualTo(old.incarnation());
        assertThat(f.services.caches().info(ADMIN, "team").usage()).isEqualTo(new CacheUsage(0, 0, null));
    }
}
