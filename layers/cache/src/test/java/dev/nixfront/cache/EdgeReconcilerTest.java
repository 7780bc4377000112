package dev.nixfront.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.cache.fake.MemoryEdgeStore;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.EdgeStore;
import dev.nixfront.cache.port.Scope;
import dev.nixfront.cache.port.TokenRecord;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The store made equal to what the table calls for, whatever it held before. */
class EdgeReconcilerTest {
    private static final String ROOT = "nf_rootrootrootrootrootrootrootrootrootrootroo";

    private final Fixture f = new Fixture();
    private final Principal root;

    EdgeReconcilerTest() {
        f.services.tokens().registerBootstrap(TokenService.hash(ROOT), "root");
        root = f.services.tokens().authenticate("Bearer " + ROOT);
    }

    private EdgeReconciler reconciler(EdgeStore edge) {
        return new EdgeReconciler(f.caches, f.tokens, edge, f.clock);
    }

    private CreatedToken token(List<String> caches, List<String> permissions) {
        return f.services.tokens().create(root, new CreateTokenRequest(null, caches, permissions, null));
    }

    @Test
    void anEmptyStoreIsFilledWithWhatTheServicesWrote() {
        f.services.caches().create(root, new CreateCacheRequest("team", true, null, null));
        f.createCache("pub");
        token(List.of("team"), List.of("read"));
        token(List.of("*"), List.of("read", "write"));
        token(List.of("team"), List.of("write"));

        MemoryEdgeStore empty = new MemoryEdgeStore();
        EdgeReconciler.Outcome outcome = reconciler(empty).reconcile();

        assertThat(empty.entries()).isEqualTo(f.edge.entries()).hasSize(4);
        assertThat(empty.list()).as("marked filled, after the entries")
                .containsEntry(EdgeEntries.FILLED, "{\"at\":" + f.clock.instant().getEpochSecond() + "}").hasSize(5);
        assertThat(empty.batches()).containsExactly(4, 1);
        assertThat(outcome).isEqualTo(new EdgeReconciler.Outcome(5, 0, 5));
        f.clock.advance(Duration.ofMinutes(5));
        assertThat(reconciler(empty).reconcile()).as("a second run").isEqualTo(new EdgeReconciler.Outcome(0, 0, 5));
        assertThat(empty.get(EdgeEntries.FILLED)).as("the mark keeps the first fill's time")
                .contains("{\"at\":" + f.clock.instant().minus(Duration.ofMinutes(5)).getEpochSecond() + "}");
    }

    @Test
    void staleMissingAndChangedEntriesAreRepairedAndOtherKeysLeft() {
        f.services.caches().create(root, new CreateCacheRequest("team", true, null, null));
        CreatedToken reader = token(List.of("team"), List.of("read"));
        CreatedToken expiring = f.services.tokens().create(root, new CreateTokenRequest(null, List.of("*"), List.of("read"),
                f.clock.instant().plus(Duration.ofMinutes(5))));
        f.createCache("gone");
        CreatedToken ofGone = token(List.of("gone"), List.of("read"));
        Map<String, String> written = f.edge.list();
        // What crashes and time leave behind: a deletion whose entry removal never ran, a cache
        // flipped in the table only, a token revoked in the table only, an entry nobody wrote.
        f.caches.markDeleted(CacheName.of("gone"), f.caches.get(CacheName.of("gone")).orElseThrow().incarnation(), f.clock.instant());
        f.caches.update(f.caches.get(CacheName.of("team")).orElseThrow(), false, 40);
        f.tokens.revokeHash(TokenService.hash(reader.token()), f.clock.instant());
        f.edge.put(Map.of("t:" + "f".repeat(64) + ":team", "{\"i\":\"\",\"e\":0}", "x:other", "kept"));
        f.clock.advance(Duration.ofMinutes(6));

        reconciler(f.edge).reconcile();

        String team = f.caches.get(CacheName.of("team")).orElseThrow().incarnation();
        assertThat(f.edge.list()).containsOnlyKeys("c:team", "x:other", EdgeEntries.FILLED)
                .containsEntry("c:team", "{\"p\":false,\"i\":\"" + team + "\"}").containsEntry("x:other", "kept");
        assertThat(written).containsKeys("t:" + TokenService.hash(expiring.token()) + ":*",
                "t:" + TokenService.hash(ofGone.token()) + ":gone", "c:gone");
    }

    @Test
    void everyPageOfTokensIsReadAndTheStoreIsWrittenInBatches() {
        f.createCache("team");
        String incarnation = f.caches.get(CacheName.of("team")).orElseThrow().incarnation();
        TokenRecord maker = f.tokens.findBySecretHash(TokenService.hash(ROOT)).orElseThrow();
        int count = 2 * TokenService.LIST_PAGE + 7;
        for (int i = 0; i < count; i++) {
            String hash = HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(32).putInt(28, i + 1).array());
            f.tokens.create(new TokenRecord("tk_%016x".formatted(i), hash, null, Scope.fromLists(List.of("team"), List.of("read")),
                    f.clock.instant(), null, null, new TokenRecord.Maker(maker.id(), maker.secretHash()), Map.of("team", incarnation)));
        }
        MemoryEdgeStore empty = new MemoryEdgeStore();

        reconciler(empty).reconcile();

        assertThat(empty.entries()).hasSize(count + 1);
        assertThat(empty.batches()).allMatch(size -> size <= EdgeStore.MAX_BATCH)
                .hasSize((count + 1 + EdgeStore.MAX_BATCH - 1) / EdgeStore.MAX_BATCH + 1);
    }

    /** A new container's services on the same table and store, as Lambda starts one after a deployment. */
    private Services freshContainer() {
        return Services.create(f.fakes.ports(), f.settings, f.clock, new java.security.SecureRandom());
    }

    @Test
    void theServicesFirstWriteToAStoreNobodyFilledFillsItBeforeTheChange() {
        // A deployment upgraded to the edge check: the table has caches, its new store nothing.
        f.createCache("old");
        f.edge.delete(List.copyOf(f.edge.list().keySet()));
        Services upgraded = freshContainer();

        // The first write fills the store first: a deletion then removes the cache's entry from a
        // store marked filled, so the read path never lets the deleted cache through as unknown.
        upgraded.caches().create(root, new CreateCacheRequest("kept", true, null, null));
        assertThat(f.edge.list()).containsKeys("c:old", "c:kept", EdgeEntries.FILLED);
        upgraded.caches().delete(root, "old");
        assertThat(f.edge.list()).containsOnlyKeys("c:kept", EdgeEntries.FILLED);

        int writes = f.edge.batches().size();
        upgraded.caches().delete(root, "kept");
        assertThat(f.edge.batches()).as("a filled store is not filled again").hasSize(writes + 1);
    }

    @Test
    void aStoreAlreadyMarkedFilledIsWrittenAsItIs() {
        f.edge.put(Map.of(EdgeEntries.FILLED, "{\"at\":1}"));
        Services services = freshContainer();
        services.caches().create(root, new CreateCacheRequest("team", true, null, null));
        assertThat(f.edge.batches()).as("the mark, then the cache's entry: no reconciliation").containsExactly(1, 1);
        assertThat(f.edge.list()).containsOnlyKeys(EdgeEntries.FILLED, "c:team");
    }

    /** The store as the reconciler sees it, running {@code meanwhile} once, right after the reconciler read its version. */
    private EdgeStore interleaved(Runnable meanwhile) {
        return new EdgeStore() {
            private boolean ran;

            @Override
            public void put(Map<String, String> entries) {
                f.edge.put(entries);
            }

            @Override
            public void delete(java.util.Collection<String> keys) {
                f.edge.delete(keys);
            }

            @Override
            public Map<String, String> list() {
                if (!ran) {
                    ran = true;
                    meanwhile.run();
                }
                return f.edge.list();
            }

            @Override
            public java.util.Optional<String> get(String key) {
                return f.edge.get(key);
            }

            @Override
            public String version() {
                return f.edge.version();
            }

            @Override
            public String apply(Map<String, String> puts, java.util.Collection<String> deletes, String ifVersion) {
                return f.edge.apply(puts, deletes, ifVersion);
            }
        };
    }

    /**
     * Found by an outside review: a run read the table, a revocation then landed in the table and
     * the store, and the run wrote back the grant it had computed, readable again until the next
     * run. Each change is now confirmed by consistent reads and written only at the store version
     * the run started from.
     */
    @Test
    void aRevocationThatLandsDuringARunStaysRevoked() {
        f.services.caches().create(root, new CreateCacheRequest("team", true, null, null));
        CreatedToken reader = token(List.of("team"), List.of("read"));
        String grant = "t:" + TokenService.hash(reader.token()) + ":team";
        reconciler(f.edge).reconcile();
        assertThat(f.edge.list()).containsKey(grant);

        reconciler(interleaved(() -> f.services.tokens().revoke(root, reader.info().id()))).reconcile();

        assertThat(f.edge.list()).doesNotContainKey(grant);
    }

    @Test
    void aSwitchToPrivateThatLandsDuringARunStaysPrivate() {
        f.services.caches().create(root, new CreateCacheRequest("team", false, null, null));
        reconciler(f.edge).reconcile();

        reconciler(interleaved(() -> f.services.caches().update(root, "team",
                new dev.nixfront.api.UpdateCacheRequest(true, null)))).reconcile();

        assertThat(f.edge.list().get("c:team")).startsWith("{\"p\":true");
    }

    /** The listings are index reads that may lag: a token they still show unrevoked gets no grant back. */
    @Test
    void aListingThatLagsARevocationGivesNoGrantBack() {
        f.services.caches().create(root, new CreateCacheRequest("team", true, null, null));
        CreatedToken reader = token(List.of("team"), List.of("read"));
        String grant = "t:" + TokenService.hash(reader.token()) + ":team";
        TokenRecord before = f.tokens.findBySecretHash(TokenService.hash(reader.token())).orElseThrow();
        f.services.tokens().revoke(root, reader.info().id());
        assertThat(f.edge.list()).doesNotContainKey(grant);
        dev.nixfront.cache.port.TokenRepository lagging = new dev.nixfront.cache.port.TokenRepository() {
            @Override
            public void create(TokenRecord token) {
                f.tokens.create(token);
            }

            @Override
            public java.util.Optional<TokenRecord> findBySecretHash(String sha256Hex) {
                return f.tokens.findBySecretHash(sha256Hex);
            }

            @Override
            public List<TokenRecord> list(String after, int limit) {
                // The index still shows the token as it was before its revocation.
                return f.tokens.list(after, limit).stream().map(t -> t.id().equals(before.id()) ? before : t).toList();
            }

            @Override
            public List<TokenRecord> findById(String id) {
                return f.tokens.findById(id);
            }

            @Override
            public List<String> madeBy(String makerSecretHash) {
                return f.tokens.madeBy(makerSecretHash);
            }

            @Override
            public void revokeHash(String secretHash, java.time.Instant at) {
                f.tokens.revokeHash(secretHash, at);
            }
        };

        new EdgeReconciler(f.caches, lagging, f.edge, f.clock).reconcile();

        assertThat(f.edge.list()).doesNotContainKey(grant);
    }

    @Test
    void aRunThatMeetsAnotherWriterAtEachTryGivesUpWithoutWriting() {
        f.services.caches().create(root, new CreateCacheRequest("team", true, null, null));
        f.edge.delete(List.of("c:team"));
        f.edge.beforeApply = () -> f.edge.put(Map.of("x:other", String.valueOf(System.nanoTime())));

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> reconciler(f.edge).reconcile())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("changed under each of");
        assertThat(f.edge.list()).doesNotContainKey("c:team");
    }
}
