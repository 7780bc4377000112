package dev.nixfront.aws;

import static dev.nixfront.aws.Items.s;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.RootRecord;
import dev.nixfront.cache.port.RootRepository;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The roots pushes report, one item per root, in the same 32 shards as the path listing (the last
 * nix32 digit of the store hash, {@link PathListing#shard}):
 * <pre>
 * pk=ROOTS#team.3f9a0c1d2b4e5f60#z  sk=0123456789abcdfghijklmnpqrsvwxyz
 * storePath=/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello-2.12  pushedAt=2026-11-25T17:00:00.000000000Z
 * </pre>
 * A push reports a few roots, but one request may report a thousand and CI farms push all day: in
 * one partition per cache those writes would share about 1,000 write units a second, so they are
 * spread like the paths themselves, and listing a cache's roots is 32 queries side by side. Recording
 * is one UpdateItem per root, {@code SET storePath, pushedAt} if the item has no {@code pushedAt}
 * or an earlier one, so a late request never moves a root's time back and recording a root again
 * rewrites nothing else. {@code pushedAt} is fixed-width text ({@link Items#sortableInstant}), which
 * the condition compares. The cache's incarnation is part of the key ({@code ROOTS#team#z} for a
 * cache older than incarnations), as for its path items.
 */
public final class DynamoDbRootRepository implements RootRepository {
    /** UpdateItems at once while recording: a request reports up to 1,000 roots. */
    private static final int WRITE_PARALLELISM = 16;
    /** Listing queries at once: one per shard. */
    private static final int LISTING_PARALLELISM = 8;
    /** Rounds of list-and-delete before deletion gives up (deleting the cache again goes on). */
    private static final int MAX_DELETE_ROUNDS = 5;

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbRootRepository(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    static String partition(CacheRecord cache, String shard) {
        return "ROOTS#" + DynamoDbPathIndex.owner(cache) + "#" + shard;
    }

    // public for the capacity simulation in bench
    public static Map<String, AttributeValue> key(CacheRecord cache, StorePathHash hash) {
        return Items.key(partition(cache, PathListing.shard(hash)), hash.value());
    }

    @Override
    public void record(CacheRecord cache, Collection<RootRecord> roots) {
        // One write per item: two records of one root in a call would race each other's condition.
        Map<StorePathHash, RootRecord> latest = new LinkedHashMap<>();
        for (RootRecord root : roots) {
            latest.merge(root.path().hash(), root, (a, b) -> b.pushedAt().isAfter(a.pushedAt()) ? b : a);
        }
        List<Callable<Boolean>> writes = new ArrayList<>();
        for (RootRecord root : latest.values()) {
            writes.add(() -> record(cache, root));
        }
        Parallel.all(writes, WRITE_PARALLELISM);
    }

    /** False when the stored time is the same or later: nothing is written then. */
    private boolean record(CacheRecord cache, RootRecord root) {
        try {
            dynamoDb.updateItem(b -> b.tableName(table).key(key(cache, root.path().hash()))
                    .updateExpression("SET storePath = :path, pushedAt = :at")
                    .conditionExpression("attribute_not_exists(pushedAt) OR pushedAt < :at")
                    .expressionAttributeValues(Map.of(
                            ":path", s(root.path().toString()),
                            ":at", Items.sortableInstant(root.pushedAt()))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** Strongly consistent: garbage collection must see a root recorded a moment before it looked. */
    @Override
    public List<RootRecord> list(CacheRecord cache) {
        List<RootRecord> roots = new ArrayList<>();
        for (List<Map<String, AttributeValue>> shard : shards(cache, null)) {
            for (Map<String, AttributeValue> item : shard) {
                roots.add(record(item));
            }
        }
        return roots;
    }

    @Override
    public void delete(CacheRecord cache, Collection<StorePathHash> hashes) {
        Items.batchDelete(dynamoDb, table, hashes.stream().distinct().map(h -> key(cache, h)).toList());
    }

    /** Lists the keys of every shard and deletes them, round after round until a round lists nothing. */
    @Override
    public void deleteAll(CacheRecord cache) {
        for (int round = 1; ; round++) {
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            shards(cache, "pk, sk").forEach(keys::addAll);
            if (keys.isEmpty()) {
                return;
            }
            if (round == MAX_DELETE_ROUNDS) {
                throw new IllegalStateException("cache " + cache.name() + " still has " + keys.size() + " root items after "
                        + MAX_DELETE_ROUNDS + " rounds of deletion; deleting it again goes on");
            }
            Items.batchDelete(dynamoDb, table, keys);
        }
    }

    /** Every item of each shard (only {@code projection}'s attributes, if given), one Query per shard, in parallel. */
    private List<List<Map<String, AttributeValue>>> shards(CacheRecord cache, String projection) {
        List<Callable<List<Map<String, AttributeValue>>>> queries = new ArrayList<>();
        for (String shard : PathListing.SHARDS) {
            queries.add(() -> {
                List<Map<String, AttributeValue>> items = new ArrayList<>();
                dynamoDb.queryPaginator(b -> {
                    b.tableName(table).consistentRead(true)
                            .keyConditionExpression("pk = :pk")
                            .expressionAttributeValues(Map.of(":pk", s(partition(cache, shard))));
                    if (projection != null) {
                        b.projectionExpression(projection);
                    }
                }).items().forEach(items::add);
                return items;
            });
        }
        return Parallel.all(queries, LISTING_PARALLELISM);
    }

    private static RootRecord record(Map<String, AttributeValue> item) {
        try {
            return new RootRecord(StorePath.parse(Items.string(item, "storePath")), Items.instant(item, "pushedAt"));
        } catch (NixFormatException e) {
            throw new IllegalStateException("root item " + item.get(DynamoDbTableSchema.PK).s() + " does not hold a store path: "
                    + e.getMessage(), e);
        }
    }
}
