package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * The upgrade of a deployment whose path items were listed in one gsi1 partition per cache
 * ({@code gsi1pk=PATHS#<owner>}, every attribute projected), over the wire against dynalite. The
 * table already has gsi2, as CloudFormation leaves it after the update that adds the index
 * (dynalite cannot add an index to a table, so the test creates it with both); the items are
 * written exactly as the code of before wrote them.
 */
@ExtendWith(LocalAws.Extension.class)
class PathListingMigrationTest {
    private static final Instant AT = Instant.parse("2026-11-25T17:00:00Z");
    private static final CacheRecord LEGACY = TestCaches.cache("old", CacheRecord.LEGACY_INCARNATION);
    private static final CacheRecord CURRENT = TestCaches.cache("team", "00000000000000a1");

    private final Random random = new Random(11);
    private DynamoDbClient dynamoDb;
    private DynamoDbPathIndex paths;
    private String table;

    @BeforeEach
    void setUp(LocalAws aws) {
        dynamoDb = aws.clients().dynamoDb();
        table = aws.newTable();
        paths = new DynamoDbPathIndex(dynamoDb, table);
    }

    @Test
    void movesEveryLegacyEntryIntoItsShardInResumableSteps() {
        List<PathRecord> legacy = writeLegacy(CURRENT, 23);
        List<PathRecord> older = writeLegacy(LEGACY, 5);
        PathRecord fresh = record(storePath("fresh"));
        paths.putUnlessPublished(CURRENT, fresh);

        List<Integer> steps = new ArrayList<>();
        int step;
        do {
            step = paths.migrateListing(CURRENT, 10);
            steps.add(step);
        } while (step > 0);
        assertThat(steps).containsExactly(10, 10, 3, 0);
        assertThat(paths.migrateListing(LEGACY, 100)).isEqualTo(5);
        assertThat(paths.migrateListing(LEGACY, 100)).isZero();

        for (PathRecord record : legacy) {
            Map<String, AttributeValue> item = item(CURRENT, record.hash());
            assertThat(item).doesNotContainKeys("gsi1pk", "gsi1sk");
            assertThat(item.get("gsi2pk").s()).isEqualTo(PathListing.partition(CURRENT, record.hash()));
            assertThat(item.get("gsi2sk").s()).isEqualTo(record.hash().value());
        }
        // The records themselves are untouched: every narinfo field reads back as it was written.
        assertThat(paths.get(CURRENT, legacy.stream().map(PathRecord::hash).toList()).values())
                .containsExactlyInAnyOrderElementsOf(legacy);
        assertThat(listed(CURRENT)).containsExactlyInAnyOrderElementsOf(
                hashes(legacy, fresh));
        assertThat(listed(LEGACY)).containsExactlyInAnyOrderElementsOf(hashes(older));
    }

    @Test
    void deletionFindsItemsOnBothSidesOfAnUnfinishedMigration() {
        List<PathRecord> legacy = writeLegacy(CURRENT, 12);
        PathRecord fresh = record(storePath("fresh"));
        paths.putUnlessPublished(CURRENT, fresh);
        assertThat(paths.migrateListing(CURRENT, 5)).isEqualTo(5);

        paths.deleteAll(CURRENT);

        List<StorePathHash> all = new ArrayList<>(legacy.stream().map(PathRecord::hash).toList());
        all.add(fresh.hash());
        assertThat(paths.get(CURRENT, all)).isEmpty();
        assertThat(paths.migrateListing(CURRENT, 100)).isZero();
    }

    /**
     * A path deleted between the listing read and its move (an index read lags the table) is not
     * brought back as a stub of keys: the move is conditional on the entry it read.
     */
    @Test
    void neverRecreatesAnItemDeletedMeanwhile() {
        PathRecord gone = writeLegacy(CURRENT, 1).getFirst();
        Map<String, AttributeValue> key = Items.key(DynamoDbPathIndex.pk(CURRENT, gone.hash()), DynamoDbPathIndex.SK);
        paths.delete(CURRENT, gone.hash());

        assertThat(paths.move(CURRENT, key, PathListing.legacyPartition(CURRENT))).isFalse();

        assertThat(dynamoDb.getItem(b -> b.tableName(table).key(key).consistentRead(true)).hasItem()).isFalse();
    }

    /** A record rewritten by the new code (e.g. verifying, then published) leaves the legacy listing by itself. */
    @Test
    void aRewrittenItemLeavesTheLegacyListing() {
        PathRecord verifying = new PathRecord(record(storePath("pending")).info(), PathState.VERIFYING, null, AT, "attempt-1");
        Map<String, AttributeValue> old = new HashMap<>(DynamoDbPathIndex.item(CURRENT, verifying));
        toLegacy(CURRENT, old);
        dynamoDb.putItem(b -> b.tableName(table).item(old));

        PathRecord published = record(verifying.info().storePath());
        assertThat(paths.putUnlessPublished(CURRENT, published)).isTrue();

        assertThat(paths.migrateListing(CURRENT, 10)).isZero();
        assertThat(listed(CURRENT)).containsExactly(published.hash().value());
    }

    /**
     * A migration step that moves entries while a deletion lists the cache must not make the
     * deletion miss them (found by an outside review: with the shards and the legacy partition read
     * side by side, a move between the two reads left every moved item behind).
     */
    @Test
    void aDeletionRacingTheMigrationLeavesNoItemBehind() {
        List<PathRecord> legacy = writeLegacy(CURRENT, 40);
        AtomicBoolean moved = new AtomicBoolean();
        DynamoDbClient racing = intercept(request -> {
            if (DynamoDbTableSchema.GSI1.equals(request.indexName()) && moved.compareAndSet(false, true)) {
                // Another admin's migrate-index, running concurrently, moves the entries now.
                assertThat(new DynamoDbPathIndex(dynamoDb, table).migrateListing(CURRENT, 500)).isEqualTo(40);
            }
        }, request -> false);

        new DynamoDbPathIndex(racing, table).deleteAll(CURRENT);

        assertThat(moved).isTrue();
        assertThat(paths.get(CURRENT, legacy.stream().map(PathRecord::hash).toList())).isEmpty();
    }

    /** A shard that cannot be read fails the deletion, which deleting again repeats; it never skips the shard. */
    @Test
    void aFailingShardQueryFailsTheDeletion() {
        List<PathRecord> legacy = writeLegacy(CURRENT, 10);
        paths.migrateListing(CURRENT, 100);
        AtomicInteger shardQueries = new AtomicInteger();
        DynamoDbClient failing = intercept(request -> { }, request ->
                DynamoDbTableSchema.GSI2.equals(request.indexName()) && shardQueries.incrementAndGet() == 17);

        assertThatThrownBy(() -> new DynamoDbPathIndex(failing, table).deleteAll(CURRENT)).isInstanceOf(IllegalStateException.class);

        assertThat(paths.get(CURRENT, legacy.stream().map(PathRecord::hash).toList())).hasSize(10);
        paths.deleteAll(CURRENT);
        assertThat(paths.get(CURRENT, legacy.stream().map(PathRecord::hash).toList())).isEmpty();
    }

    /** The table's client, with every listing Query shown to {@code before} and failed where {@code fails} says. */
    @SuppressWarnings("unchecked")
    private DynamoDbClient intercept(Consumer<QueryRequest> before, Predicate<QueryRequest> fails) {
        return (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(), new Class<?>[] {DynamoDbClient.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("queryPaginator") && args != null && args[0] instanceof Consumer<?> build) {
                        QueryRequest.Builder builder = QueryRequest.builder();
                        ((Consumer<QueryRequest.Builder>) build).accept(builder);
                        QueryRequest request = builder.build();
                        before.accept(request);
                        if (fails.test(request)) {
                            throw new IllegalStateException("injected: a throttled query of " + request.expressionAttributeValues());
                        }
                        return dynamoDb.queryPaginator(request);
                    }
                    try {
                        return method.invoke(dynamoDb, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private List<PathRecord> writeLegacy(CacheRecord cache, int count) {
        List<PathRecord> written = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            PathRecord record = record(storePath("legacy-" + i));
            Map<String, AttributeValue> item = new HashMap<>(DynamoDbPathIndex.item(cache, record));
            toLegacy(cache, item);
            dynamoDb.putItem(b -> b.tableName(table).item(item));
            written.add(record);
        }
        return written;
    }

    /** The item as the code before the sharded listing wrote it: gsi1 keys, no gsi2 keys. */
    private static void toLegacy(CacheRecord cache, Map<String, AttributeValue> item) {
        item.remove(DynamoDbTableSchema.GSI2_PK);
        AttributeValue hash = item.remove(DynamoDbTableSchema.GSI2_SK);
        item.put(DynamoDbTableSchema.GSI1_PK, AttributeValue.fromS(PathListing.legacyPartition(cache)));
        item.put(DynamoDbTableSchema.GSI1_SK, hash);
    }

    private Map<String, AttributeValue> item(CacheRecord cache, StorePathHash hash) {
        return dynamoDb.getItem(b -> b.tableName(table)
                .key(Items.key(DynamoDbPathIndex.pk(cache, hash), DynamoDbPathIndex.SK)).consistentRead(true)).item();
    }

    /** Every store hash the sharded listing holds for the cache, read shard by shard as deletion reads it. */
    private Set<String> listed(CacheRecord cache) {
        Set<String> hashes = new TreeSet<>();
        for (String shard : PathListing.SHARDS) {
            dynamoDb.queryPaginator(b -> b.tableName(table).indexName(DynamoDbTableSchema.GSI2)
                            .keyConditionExpression("gsi2pk = :p")
                            .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(PathListing.partition(cache, shard)))))
                    .items().forEach(i -> {
                        assertThat(i).containsOnlyKeys("pk", "sk", "gsi2pk", "gsi2sk");
                        hashes.add(i.get("gsi2sk").s());
                    });
        }
        return hashes;
    }

    private static List<String> hashes(List<PathRecord> records, PathRecord... more) {
        List<String> all = new ArrayList<>(records.stream().map(r -> r.hash().value()).toList());
        for (PathRecord record : more) {
            all.add(record.hash().value());
        }
        return all;
    }


    private static PathRecord record(StorePath path) {
        Hash file = Hash.sha256(("file " + path).getBytes(StandardCharsets.UTF_8));
        NarInfo info = NarInfo.builder(path)
                .url("nar/" + file.toNix32() + ".nar.zst")
                .compression(Compression.ZSTD)
                .fileHash(file)
                .fileSize(100)
                .narHash(Hash.sha256(("nar " + path).getBytes(StandardCharsets.UTF_8)))
                .narSize(200)
                .references(List.of(path))
                .build();
        return new PathRecord(info, PathState.PUBLISHED, null, AT);
    }

    private StorePath storePath(String name) {
        byte[] bytes = new byte[StorePathHash.BYTES];
        random.nextBytes(bytes);
        return new StorePath(StorePath.DEFAULT_STORE_DIR, StorePathHash.of(bytes), name);
    }
}
