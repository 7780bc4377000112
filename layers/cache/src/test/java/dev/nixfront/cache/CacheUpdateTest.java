package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.CacheInfo;
import dev.nixfront.api.CacheUsage;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.UpdateCacheRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.Scope;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code PATCH /v1/caches/{cache}}: visibility and priority, for the cache's admins. */
class CacheUpdateTest {
    private final Fixture f = new Fixture();

    private String nixCacheInfo() {
        return new String(f.objects.object("team/nix-cache-info").orElseThrow().body(), StandardCharsets.UTF_8);
    }

    @Test
    void aPublicCacheBecomesPrivateAndItsPriorityChangesNixCacheInfoToo() {
        f.createCache("team");
        CacheRecord before = f.caches.get(CacheName.of("team")).orElseThrow();

        CacheInfo info = f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(true, null));
        assertThat(info.privateCache()).isTrue();
        assertThat(info.priority()).isEqualTo(40);
        assertThat(f.objects.writes()).filteredOn(w -> w.contains("nix-cache-info")).hasSize(1);

        info = f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(null, 25));
        assertThat(info.privateCache()).as("left as it was").isTrue();
        assertThat(info.priority()).isEqualTo(25);
        assertThat(nixCacheInfo()).isEqualTo("StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 25\n");

        CacheRecord after = f.caches.get(CacheName.of("team")).orElseThrow();
        assertThat(after).isEqualTo(new CacheRecord(before.name(), before.publicKey(), before.sealedKey(), 25, true,
                before.createdAt(), before.incarnation(), null));
        assertThat(f.edge.entries()).containsExactly(Map.entry("c:team", "{\"p\":true,\"i\":\"" + before.incarnation() + "\"}"));

        info = f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(false, 10));
        assertThat(info).isEqualTo(new CacheInfo("team", before.publicKey(), "https://cache.example.org/team", 10, false,
                before.createdAt()));
        assertThat(f.services.caches().info(ADMIN, "team")).isEqualTo(info.withUsage(new CacheUsage(0, 0, null)));
    }

    @Test
    void aRequestThatChangesNothingOrIsOutOfRangeIsRefusedNamingTheField() {
        f.createCache("team");

        assertThat(Fixture.refusal(() -> f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(null, null))).field())
                .isEqualTo("body");
        DomainException range = Fixture.refusal(() -> f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(true, 10_001)));
        assertThat(range.status()).isEqualTo(400);
        assertThat(range.field()).isEqualTo("priority");
        assertThat(Fixture.refusal(() -> f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(null, -1))).field())
                .isEqualTo("priority");
        assertThat(Fixture.refusal(() -> f.services.caches().update(ADMIN, "Team", new UpdateCacheRequest(true, null))).field())
                .isEqualTo("cache");
        assertThat(f.caches.get(CacheName.of("team")).orElseThrow().privateCache()).isFalse();
    }

    @Test
    void onlyAnAdminOfTheLiveCacheUpdatesIt() {
        f.createCache("team");
        f.createCache("other");
        Principal writer = new Principal("tk_w", Scope.fromLists(List.of("team"), List.of("write")));
        Principal otherAdmin = new Principal("tk_o", Scope.fromLists(List.of("other"), List.of("admin")),
                null, null, 0, Map.of("other", f.caches.get(CacheName.of("other")).orElseThrow().incarnation()));
        String incarnation = f.caches.get(CacheName.of("team")).orElseThrow().incarnation();
        Principal teamAdmin = new Principal("tk_a", Scope.fromLists(List.of("team"), List.of("admin")),
                null, null, 0, Map.of("team", incarnation));

        assertThat(Fixture.refusal(() -> f.services.caches().update(writer, "team", new UpdateCacheRequest(true, null))).status()).isEqualTo(403);
        assertThat(Fixture.refusal(() -> f.services.caches().update(otherAdmin, "team", new UpdateCacheRequest(true, null))).status())
                .isEqualTo(403);
        assertThat(Fixture.refusal(() -> f.services.caches().update(ADMIN, "nope", new UpdateCacheRequest(true, null))).status())
                .isEqualTo(404);
        assertThat(f.services.caches().update(teamAdmin, "team", new UpdateCacheRequest(true, null)).privateCache()).isTrue();

        f.services.caches().delete(ADMIN, "team");
        assertThat(Fixture.refusal(() -> f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(false, null))).status())
                .isEqualTo(404);
        f.clock.advance(f.settings.nameReservation());
        f.services.caches().create(ADMIN, new CreateCacheRequest("team", null, null, null));
        assertThat(Fixture.refusal(() -> f.services.caches().update(teamAdmin, "team", new UpdateCacheRequest(true, null))).status())
                .as("the admin of the deleted cache").isEqualTo(403);
        assertThat(f.edge.entries().get("c:team")).startsWith("{\"p\":false,");
    }
}
