package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.PublishRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Deleting a cache invalidates its copies at the edge ({@code EdgeCache}): once, after its objects are
 * swept, and again with every repeated sweep; a failed invalidation fails the request.
 */
class CacheDeletionInvalidationTest {
    private final Fixture f = new Fixture();

    @Test
    void deleteInvalidatesTheDeletedCacheOnlyAfterItsObjectsAreGone() {
        f.createCache("team");
        f.createCache("keep");
        Fixture.Nar one = Fixture.nar("one");
        f.upload("team", one);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(one.info())));
        Fixture.Nar staged = Fixture.nar("staged");
        f.upload("team", staged);
        String incarnation = f.caches.get(CacheName.of("team")).orElseThrow().incarnation();
        List<String> keysAtInvalidation = new ArrayList<>();
        List<String> edgeAtInvalidation = new ArrayList<>();
        f.fakes.edgeCache.before = cache -> {
            keysAtInvalidation.addAll(f.objects.keys());
            edgeAtInvalidation.addAll(f.edge.list().keySet());
        };

        f.services.caches().delete(ADMIN, "team");

        assertThat(f.fakes.edgeCache.invalidated()).singleElement().satisfies(cache -> {
            assertThat(cache.name()).isEqualTo(CacheName.of("team"));
            assertThat(cache.incarnation()).isEqualTo(incarnation);
        });
        assertThat(keysAtInvalidation).as("the sweep came first: a refetch by the edge finds nothing")
                .isNotEmpty()
                .noneMatch(k -> k.startsWith("team/") || k.startsWith(Layout.stagingPrefix(CacheName.of("team"))));
        assertThat(edgeAtInvalidation).doesNotContain(EdgeEntries.cacheKey(CacheName.of("team")));
    }

    @Test
    void aFailedInvalidationFailsTheDeleteAndARepeatedDeleteInvalidatesAgain() {
        f.createCache("team");
        f.fakes.edgeCache.before = cache -> {
            throw new IllegalStateException("CloudFront said no");
        };

        assertThatThrownBy(() -> f.services.caches().delete(ADMIN, "team"))
                .as("not swallowed: the handler answers 500").isInstanceOf(IllegalStateException.class)
                .hasMessage("CloudFront said no");
        assertThat(f.fakes.edgeCache.invalidated()).isEmpty();
        assertThat(f.caches.get(CacheName.of("team")).orElseThrow().live()).as("the deletion itself happened").isFalse();
        assertThat(f.objects.keys()).noneMatch(k -> k.startsWith("team/"));

        f.fakes.edgeCache.before = cache -> { };
        f.clock.advance(CacheSettings.NAME_RESERVATION.minus(CacheAdminService.RESWEEP_MARGIN).minusSeconds(1));
        f.services.caches().delete(ADMIN, "team");
        f.services.caches().delete(ADMIN, "team");

        assertThat(f.fakes.edgeCache.invalidated()).as("each repeated delete invalidates again").hasSize(2)
                .extracting(CacheRecord::name).containsOnly(CacheName.of("team"));
    }

    @Test
    void creatingTheNameAgainSweepsAndInvalidatesTheOldCacheOnceMore() {
        f.createCache("team");
        String old = f.caches.get(CacheName.of("team")).orElseThrow().incarnation();
        f.services.caches().delete(ADMIN, "team");
        f.clock.advance(CacheSettings.NAME_RESERVATION);

        f.createCache("team");

        assertThat(f.fakes.edgeCache.invalidated()).extracting(CacheRecord::incarnation).containsExactly(old, old);
        assertThat(f.caches.get(CacheName.of("team")).orElseThrow().incarnation()).isNotEqualTo(old);
    }

    @Test
    void aDeleteAfterTheReservationEndedFindsNoCacheAndInvalidatesNothing() {
        f.createCache("team");
        f.services.caches().delete(ADMIN, "team");
        f.clock.advance(CacheSettings.NAME_RESERVATION.minus(CacheAdminService.RESWEEP_MARGIN));

        assertThatThrownBy(() -> f.services.caches().delete(ADMIN, "team")).isInstanceOf(DomainException.class)
                .satisfies(e -> assertThat(((DomainException) e).status()).isEqualTo(404));
        assertThat(f.fakes.edgeCache.invalidated()).hasSize(1);
    }
}
