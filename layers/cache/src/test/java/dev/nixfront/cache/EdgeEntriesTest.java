package dev.nixfront.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.api.UpdateCacheRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.EdgeStore;
import dev.nixfront.cache.port.Scope;
import dev.nixfront.cache.port.TokenRecord;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The read path's entries, computed from records and written by the services before they answer. */
class EdgeEntriesTest {
    private static final Instant NOW = Instant.parse("2026-11-25T17:00:00Z");
    private static final String ROOT = "nf_rootrootrootrootrootrootrootrootrootrootroo";
    private static final String H1 = "1".repeat(64);
    private static final String H2 = "2".repeat(64);
    private static final String H3 = "3".repeat(64);

    private static CacheRecord cache(String name, boolean privateCache, String incarnation) {
        return new CacheRecord(CacheName.of(name), name + "-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=", new byte[] {1}, 40,
                privateCache, NOW, incarnation, null);
    }

    private static TokenRecord token(String hash, List<String> caches, List<String> permissions, Instant expiresAt,
                                     TokenRecord maker, Map<String, String> incarnations) {
        return new TokenRecord("tk_" + hash.substring(0, 16), hash, null, Scope.fromLists(caches, permissions), NOW, expiresAt, null,
                maker == null ? null : new TokenRecord.Maker(maker.id(), maker.secretHash()), incarnations);
    }

    private static Map<String, String> entries(TokenRecord token, TokenRecord... chain) {
        Map<String, TokenRecord> byHash = new HashMap<>();
        for (TokenRecord t : chain) {
            byHash.put(t.secretHash(), t);
        }
        return EdgeEntries.token(token, NOW, h -> Optional.ofNullable(byHash.get(h)), EdgeEntries.ANY_INCARNATION);
    }

    @Test
    void aLiveCacheHasItsVisibilityAndIncarnationATombstoneNothing() {
        assertThat(EdgeEntries.cache(cache("team", true, "3f9a0c1d2b4e5f60")))
                .containsExactly(Map.entry("c:team", "{\"p\":true,\"i\":\"3f9a0c1d2b4e5f60\"}"));
        assertThat(EdgeEntries.cache(cache("pub", false, CacheRecord.LEGACY_INCARNATION)))
                .containsExactly(Map.entry("c:pub", "{\"p\":false,\"i\":\"\"}"));
        assertThat(EdgeEntries.cache(cache("gone", true, "3f9a0c1d2b4e5f60").deleted(NOW))).isEmpty();
    }

    @Test
    void aReadTokenHasOneEntryPerCacheBoundToItsIncarnationAndAnAllCachesOneStar() {
        TokenRecord named = token(H1, List.of("team", "other"), List.of("read"), null, null,
                Map.of("team", "00000000000000a1", "other", "00000000000000b2"));
        assertThat(entries(named)).containsExactly(
                Map.entry("t:" + H1 + ":other", "{\"i\":\"00000000000000b2\",\"e\":0}"),
                Map.entry("t:" + H1 + ":team", "{\"i\":\"00000000000000a1\",\"e\":0}"));

        TokenRecord legacy = token(H2, List.of("old"), List.of("read", "write"), null, null, Map.of());
        assertThat(entries(legacy)).containsExactly(Map.entry("t:" + H2 + ":old", "{\"i\":\"\",\"e\":0}"));

        TokenRecord all = token(H3, List.of("*"), List.of("read"), NOW.plusSeconds(3600), null, Map.of());
        assertThat(entries(all)).containsExactly(Map.entry("t:" + H3 + ":*", "{\"e\":" + (NOW.getEpochSecond() + 3600) + "}"));
    }

    /** The permission list must name read: the edge serves downloads, which push and admin tokens are not for. */
    @Test
    void onlyATokenListingReadHasEntries() {
        assertThat(entries(token(H1, List.of("team"), List.of("write"), null, null, Map.of()))).isEmpty();
        assertThat(entries(token(H1, List.of("*"), List.of("admin"), null, null, Map.of()))).isEmpty();
        assertThat(entries(token(H1, List.of("team"), List.of("admin", "read"), null, null, Map.of()))).hasSize(1);
    }

    @Test
    void theExpiryIsTheEarliestOnTheChain() {
        Instant soon = NOW.plusSeconds(60);
        TokenRecord root = token(H1, List.of("*"), List.of("admin"), null, null, Map.of());
        TokenRecord middle = token(H2, List.of("*"), List.of("admin", "read"), soon, root, Map.of());
        TokenRecord leaf = token(H3, List.of("*"), List.of("read"), soon.plusSeconds(3600), middle, Map.of());

        assertThat(entries(leaf, root, middle)).containsExactly(Map.entry("t:" + H3 + ":*", "{\"e\":" + soon.getEpochSecond() + "}"));
    }

    @Test
    void aRevokedExpiredOrUnknownLinkLeavesNoEntries() {
        TokenRecord root = token(H1, List.of("*"), List.of("admin"), null, null, Map.of());
        TokenRecord leaf = token(H3, List.of("*"), List.of("read"), null, root, Map.of());

        assertThat(entries(leaf, root)).hasSize(1);
        assertThat(entries(leaf.revoked(NOW), root)).as("revoked").isEmpty();
        assertThat(entries(leaf, root.revoked(NOW))).as("maker revoked").isEmpty();
        assertThat(entries(leaf)).as("maker not on record").isEmpty();
        TokenRecord expiredRoot = token(H1, List.of("*"), List.of("admin"), NOW, null, Map.of());
        assertThat(entries(leaf, expiredRoot)).as("maker expired").isEmpty();
    }

    @Test
    void aTokenOfADeletedIncarnationNeedsNoEntry() {
        TokenRecord named = token(H1, List.of("team", "other"), List.of("read"), null, null,
                Map.of("team", "00000000000000a1", "other", "00000000000000b2"));
        Map<String, String> entries = EdgeEntries.token(named, NOW, h -> Optional.empty(),
                (cache, incarnation) -> cache.value().equals("team") && incarnation.equals("00000000000000a1"));

        assertThat(entries).containsOnlyKeys("t:" + H1 + ":team");
        assertThat(EdgeEntries.tokenKeys(named)).containsExactly("t:" + H1 + ":other", "t:" + H1 + ":team");
    }

    @Test
    void aCacheIsOnTheEdgeFromItsCreationUntilItsDeletionWithItsCurrentVisibility() {
        Fixture f = new Fixture();
        f.services.caches().create(Fixture.ADMIN, new CreateCacheRequest("team", true, null, null));
        String incarnation = f.caches.get(CacheName.of("team")).orElseThrow().incarnation();
        assertThat(f.edge.entries()).containsExactly(Map.entry("c:team", "{\"p\":true,\"i\":\"" + incarnation + "\"}"));

        f.services.caches().update(Fixture.ADMIN, "team", new UpdateCacheRequest(false, null));
        assertThat(f.edge.entries()).containsExactly(Map.entry("c:team", "{\"p\":false,\"i\":\"" + incarnation + "\"}"));

        f.services.caches().delete(Fixture.ADMIN, "team");
        assertThat(f.edge.entries()).isEmpty();
    }

    @Test
    void aCreationThatFailsHalfwayLeavesNoEntry() {
        Fixture f = new Fixture();
        f.objects.afterWrite(write -> {
            throw new IllegalStateException("S3 failed after " + write);
        });

        assertThatThrownBy(() -> f.createCache("team")).isInstanceOf(RuntimeException.class);
        assertThat(f.edge.entries()).isEmpty();
        assertThat(f.caches.get(CacheName.of("team"))).isEmpty();
    }

    @Test
    void aTokenHasItsEntriesFromCreationAndLosesThemWithEveryDescendantOnRevocation() {
        Fixture f = new Fixture();
        f.createCache("team");
        f.services.tokens().registerBootstrap(TokenService.hash(ROOT), "root");
        Principal root = f.services.tokens().authenticate("Bearer " + ROOT);
        String incarnation = f.caches.get(CacheName.of("team")).orElseThrow().incarnation();

        CreatedToken admin = f.services.tokens().create(root, new CreateTokenRequest(null, List.of("team"), List.of("admin", "read"), null));
        Principal teamAdmin = f.services.tokens().authenticate("Bearer " + admin.token());
        CreatedToken reader = f.services.tokens().create(teamAdmin, new CreateTokenRequest(null, List.of("team"),
                List.of("admin", "read"), null));
        CreatedToken pusher = f.services.tokens().create(teamAdmin, new CreateTokenRequest(null, List.of("team"), List.of("write"), null));
        Principal readerP = f.services.tokens().authenticate("Bearer " + reader.token());
        assertThat(pusher).isNotNull();

        assertThat(f.edge.entries()).containsOnlyKeys("c:team", "t:" + TokenService.hash(admin.token()) + ":team",
                "t:" + TokenService.hash(reader.token()) + ":team");
        assertThat(f.edge.entries().get("t:" + TokenService.hash(reader.token()) + ":team"))
                .isEqualTo("{\"i\":\"" + incarnation + "\",\"e\":0}");

        // Well more than one batch of grandchildren: each removal call stays within what the store takes.
        for (int i = 0; i < 120; i++) {
            f.services.tokens().create(readerP, new CreateTokenRequest(null, List.of("team"), List.of("read"), null));
        }
        assertThat(f.edge.entries()).hasSize(123);

        f.services.tokens().revoke(root, admin.info().id());

        assertThat(f.edge.entries()).containsOnlyKeys("c:team");
        assertThat(f.edge.batches()).allMatch(size -> size <= EdgeStore.MAX_BATCH);
    }

    @Test
    void aTokenRevokedAsItIsMadeTakesItsEntriesBack() {
        Fixture f = new Fixture();
        f.createCache("team");
        f.services.tokens().registerBootstrap(TokenService.hash(ROOT), "root");
        Principal root = f.services.tokens().authenticate("Bearer " + ROOT);
        CreatedToken maker = f.services.tokens().create(root, new CreateTokenRequest(null, List.of("team"), List.of("admin"), null));
        Principal makerP = f.services.tokens().authenticate("Bearer " + maker.token());
        // Another container revokes the maker while the new token is being written.
        f.tokens.beforeCreate(() -> f.tokens.revokeHash(TokenService.hash(maker.token()), f.clock.instant()));

        assertThatThrownBy(() -> f.services.tokens().create(makerP, new CreateTokenRequest(null, List.of("team"), List.of("read"), null)))
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.status()).isEqualTo(401));
        assertThat(f.edge.entries()).containsOnlyKeys("c:team");
    }
}
