package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.UpstreamCache;
import dev.nixfront.nix.sign.PublicKey;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link DynamoDbCacheRepository} over the wire against dynalite. */
@ExtendWith(LocalAws.Extension.class)
class DynamoDbCacheRepositoryTest {
    private static final Instant CREATED = Instant.parse("2026-11-25T17:00:00Z");

    private DynamoDbCacheRepository caches;
    private LocalAws aws;
    private String table;

    @BeforeEach
    void setUp(LocalAws aws) {
        this.aws = aws;
        this.table = aws.newTable();
        this.caches = new DynamoDbCacheRepository(aws.clients().dynamoDb(), table);
    }

    @Test
    void createGetAndDelete() {
        CacheRecord team = cache("team", 40, false, new byte[] {1, 2, 3});
        assertThat(caches.create(team, null)).isTrue();

        assertThat(caches.get(CacheName.of("team"))).contains(team);
        assertThat(caches.get(CacheName.of("other"))).isEmpty();

        caches.delete(CacheName.of("team"));
        assertThat(caches.get(CacheName.of("team"))).isEmpty();
        caches.delete(CacheName.of("team"));
    }

    @Test
    void createNeverOverwrites() {
        CacheRecord first = cache("team", 40, false, new byte[] {1});
        assertThat(caches.create(first, null)).isTrue();
        assertThat(caches.create(cache("team", 10, true, new byte[] {2}), null)).isFalse();
        assertThat(caches.get(CacheName.of("team"))).contains(first);
    }

    @Test
    void storesTheItemInTheAgreedLayout() {
        caches.create(cache("team", 40, true, new byte[] {9, 8}), null);
        var item = aws.clients().dynamoDb().getItem(b -> b.tableName(table)
                .key(Items.key("CACHE#team", "CACHE"))).item();
        assertThat(item.get("gsi1pk").s()).isEqualTo("CACHES");
        assertThat(item.get("gsi1sk").s()).isEqualTo("team");
        assertThat(item.get("publicKey").s()).isEqualTo("team-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=");
        assertThat(item.get("sealedKey").b().asByteArray()).containsExactly(9, 8);
        assertThat(item.get("priority").n()).isEqualTo("40");
        assertThat(item.get("private").bool()).isTrue();
        assertThat(item.get("createdAt").s()).isEqualTo("2026-11-25T17:00:00Z");
    }

    @Test
    void listsEveryCacheByNameThroughTheIndex() {
        for (String name : List.of("zeta", "alpha", "team-2", "team")) {
            caches.create(cache(name, 40, false, new byte[] {1}), null);
        }
        assertThat(caches.list()).extracting(c -> c.name().value()).containsExactly("alpha", "team", "team-2", "zeta");
        assertThat(caches.list().getFirst()).isEqualTo(cache("alpha", 40, false, new byte[] {1}));
    }

    @Test
    void concurrentCreatesHaveExactlyOneWinner() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 10; round++) {
                String name = "race-" + round;
                CountDownLatch start = new CountDownLatch(1);
                Callable<Boolean> a = () -> {
                    start.await();
                    return caches.create(cache(name, 1, false, new byte[] {1}), null);
                };
                Callable<Boolean> b = () -> {
                    start.await();
                    return caches.create(cache(name, 2, false, new byte[] {2}), null);
                };
                Future<Boolean> first = pool.submit(a);
                Future<Boolean> second = pool.submit(b);
                start.countDown();
                assertThat(List.of(first.get(), second.get())).containsExactlyInAnyOrder(true, false);
                int winner = first.get() ? 1 : 2;
                assertThat(caches.get(CacheName.of(name)).orElseThrow().priority()).isEqualTo(winner);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static CacheRecord cache(String name, int priority, boolean privateCache, byte[] sealed) {
        return new CacheRecord(CacheName.of(name), name + "-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=",
                sealed, priority, privateCache, CREATED, "3f9a0c1d2b4e5f60", null);
    }

    @Test
    void aDeletedCacheIsATombstoneThatOnlyACreationNamingItReplaces() {
        CacheRecord team = cache("team", 40, false, new byte[] {1});
        caches.create(team, null);
        Instant deleted = CREATED.plusSeconds(60);
        assertThat(caches.markDeleted(CacheName.of("team"), "0000000000000000", deleted)).as("another incarnation").isFalse();
        assertThat(caches.markDeleted(CacheName.of("team"), team.incarnation(), deleted)).isTrue();
        assertThat(caches.markDeleted(CacheName.of("team"), team.incarnation(), deleted.plusSeconds(1))).as("once").isFalse();
        assertThat(caches.get(CacheName.of("team"))).contains(team.deleted(deleted));

        CacheRecord next = new CacheRecord(CacheName.of("team"), team.publicKey(), new byte[] {2}, 40, false,
                deleted.plusSeconds(7200), "00000000000000ff", null);
        assertThat(caches.create(next, null)).as("a tombstone is an item").isFalse();
        assertThat(caches.create(next, deleted.minusSeconds(1))).as("only the tombstone seen").isFalse();
        assertThat(caches.create(next, deleted)).isTrue();
        assertThat(caches.get(CacheName.of("team"))).contains(next);
        assertThat(caches.create(next, deleted)).as("one winner").isFalse();
    }

    @Test
    void anItemWrittenBeforeIncarnationsReadsAsTheLegacyIncarnation() {
        putCacheOlderThanIncarnations("old");
        CacheRecord old = caches.get(CacheName.of("old")).orElseThrow();
        assertThat(old.incarnation()).isEqualTo(CacheRecord.LEGACY_INCARNATION);
        assertThat(old.live()).isTrue();
        assertThat(caches.markDeleted(CacheName.of("old"), CacheRecord.LEGACY_INCARNATION, CREATED)).isTrue();
    }

    @Test
    void anUpdateChangesVisibilityAndPriorityOfTheLiveIncarnationOnly() {
        CacheRecord team = cache("team", 40, false, new byte[] {1, 2});
        caches.create(team, null);

        assertThat(caches.update(team, true, 25)).isTrue();
        CacheRecord updated = new CacheRecord(team.name(), team.publicKey(), team.sealedKey(), 25, true, CREATED, team.incarnation(), null);
        assertThat(caches.get(CacheName.of("team"))).contains(updated);
        assertThat(caches.list()).extracting(CacheRecord::privateCache).containsExactly(true);

        assertThat(caches.update(team, false, 1)).as("what was read has changed meanwhile").isFalse();
        assertThat(caches.update(new CacheRecord(team.name(), team.publicKey(), team.sealedKey(), 25, true, CREATED, "00000000000000ff", null),
                false, 1)).as("another incarnation").isFalse();
        assertThat(caches.update(cache("nope", 40, false, new byte[] {1}), false, 1)).as("no item is created").isFalse();
        assertThat(caches.get(CacheName.of("nope"))).isEmpty();
        caches.markDeleted(CacheName.of("team"), team.incarnation(), CREATED.plusSeconds(1));
        assertThat(caches.update(updated, false, 1)).as("a tombstone").isFalse();
        assertThat(caches.get(CacheName.of("team")).orElseThrow().priority()).isEqualTo(25);
    }

    @Test
    void aCacheOlderThanIncarnationsIsUpdatedAsTheLegacyIncarnation() {
        putCacheOlderThanIncarnations("old");

        CacheRecord old = caches.get(CacheName.of("old")).orElseThrow();
        assertThat(caches.update(new CacheRecord(old.name(), old.publicKey(), old.sealedKey(), 40, false, old.createdAt(), "3f9a0c1d2b4e5f60", null),
                true, 40)).isFalse();
        assertThat(caches.update(old, true, 40)).isTrue();
        assertThat(caches.get(CacheName.of("old")).orElseThrow().privateCache()).isTrue();
    }

    @Test
    void upstreamsAreStoredInOrderAndUpdatedOnlyFromTheListRead() throws Exception {
        putCacheOlderThanIncarnations("old");
        CacheRecord old = caches.get(CacheName.of("old")).orElseThrow();
        assertThat(old.upstreams()).as("a cache older than upstreams has none").isEmpty();
        UpstreamCache nixos = new UpstreamCache(URI.create("https://cache.nixos.org"),
                PublicKey.parse("cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY="));
        UpstreamCache local = new UpstreamCache(URI.create("http://127.0.0.1:8471/up"),
                PublicKey.parse("up-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic="));
        assertThat(caches.updateUpstreams(old, List.of(local, nixos))).isTrue();
        CacheRecord two = caches.get(CacheName.of("old")).orElseThrow();
        assertThat(two.upstreams()).containsExactly(local, nixos);
        assertThat(caches.updateUpstreams(old, List.of())).as("the list read is not the list stored any more").isFalse();
        assertThat(caches.updateUpstreams(two, List.of(nixos))).isTrue();
        assertThat(caches.get(CacheName.of("old")).orElseThrow().upstreams()).containsExactly(nixos);

        CacheRecord created = cache("team", 40, false, new byte[] {1}).withUpstreams(List.of(nixos, local));
        assertThat(caches.create(created, null)).isTrue();
        assertThat(caches.get(CacheName.of("team"))).contains(created);
    }

    /** A cache item as written before incarnations existed: no incarnation attribute. */
    private void putCacheOlderThanIncarnations(String name) {
        aws.clients().dynamoDb().putItem(b -> b.tableName(table).item(java.util.Map.of(
                "pk", Items.s("CACHE#" + name), "sk", Items.s("CACHE"), "gsi1pk", Items.s("CACHES"), "gsi1sk", Items.s(name),
                "name", Items.s(name), "publicKey", Items.s(name + "-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic="),
                "sealedKey", Items.b(new byte[] {1}), "priority", Items.n(40), "private", Items.bool(false),
                "createdAt", Items.s("2026-11-25T17:00:00Z"))));
    }
}
