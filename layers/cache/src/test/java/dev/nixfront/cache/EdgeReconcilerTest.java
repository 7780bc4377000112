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
}
