package dev.nixfront.aws;

import static dev.nixfront.aws.Items.n;
import static dev.nixfront.aws.Items.s;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.NarRecord;
import dev.nixfront.cache.port.NarRegistry;
import dev.nixfront.nix.StorePathHash;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * The {@link NarRegistry} in the index table: item {@code pk=NAR#<cache>.<incarnation>#<object key>
 * sk=NAR} with {@code users} (a string set of store hashes), {@code claimedAt}, {@code doomedAt}
 * (epoch milliseconds, so that conditions compare numbers) and {@code deleting} (a collection's run),
 * listed keys only under {@code gsi2pk=NARS#<cache>.<incarnation>#<shard>} (the file hash's last nix32
 * digit) so that deleting the cache finds them. Every change is one UpdateItem or DeleteItem whose
 * condition is the rule: a claim {@code attribute_not_exists(deleting)}, a doom and the start of a
 * deletion {@code attribute_not_exists(users)} (DynamoDB drops a set that loses its last element).
 */
public final class DynamoDbNarRegistry implements NarRegistry {
    static final String SK = "NAR";

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbNarRegistry(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    static String pk(CacheRecord cache, String narKey) {
        return "NAR#" + DynamoDbPathIndex.owner(cache) + "#" + narKey;
    }

    /** The listing partition: the last nix32 digit of the file hash, the name's part before the first dot. */
    static String partition(CacheRecord cache, String narKey) {
        String file = narKey.substring(narKey.lastIndexOf('/') + 1);
        int dot = file.indexOf('.');
        String hash = dot < 0 ? file : file.substring(0, dot);
        String last = hash.isEmpty() ? "0" : hash.substring(hash.length() - 1);
        return "NARS#" + DynamoDbPathIndex.owner(cache) + "#" + (PathListing.SHARDS.contains(last) ? last : "0");
    }

    @Override
    public boolean claim(CacheRecord cache, String narKey, StorePathHash user, Instant at) {
        return update(cache, narKey, "ADD #users :user SET #claimedAt = :at, #lpk = :partition, #lsk = :key, #narKey = :key REMOVE #doomedAt",
                "attribute_not_exists(#deleting)",
                Map.of(":user", AttributeValue.fromSs(List.of(user.value())), ":at", n(at.toEpochMilli()),
                        ":partition", s(partition(cache, narKey)), ":key", s(narKey)));
    }

    @Override
    public void release(CacheRecord cache, String narKey, StorePathHash user, Instant claimedBefore) {
        update(cache, narKey, "DELETE #users :user",
                "attribute_exists(pk) AND (attribute_not_exists(#claimedAt) OR #claimedAt < :before)",
                Map.of(":user", AttributeValue.fromSs(List.of(user.value())), ":before", n(claimedBefore.toEpochMilli())));
    }

    @Override
    public Map<String, NarRecord> get(CacheRecord cache, Collection<String> narKeys) {
        List<Map<String, AttributeValue>> keys = new LinkedHashSet<>(narKeys).stream().map(k -> Items.key(pk(cache, k), SK)).toList();
        Map<String, NarRecord> found = new HashMap<>();
        for (Map<String, AttributeValue> item : Items.batchGet(dynamoDb, table, keys)) {
            NarRecord record = record(item);
            found.put(record.narKey(), record);
        }
        return found;
    }

    @Override
    public boolean doom(CacheRecord cache, String narKey, Instant at) {
        return update(cache, narKey, "SET #doomedAt = :at, #lpk = :partition, #lsk = :key, #narKey = :key",
                "attribute_not_exists(#users) AND attribute_not_exists(#doomedAt) AND attribute_not_exists(#deleting)",
                Map.of(":at", n(at.toEpochMilli()), ":partition", s(partition(cache, narKey)), ":key", s(narKey)));
    }

    @Override
    public boolean dropUsers(CacheRecord cache, String narKey, Collection<StorePathHash> users, Instant claimedBefore) {
        if (users.isEmpty()) {
            return true;
        }
        return update(cache, narKey, "DELETE #users :users",
                "attribute_exists(pk) AND (attribute_not_exists(#claimedAt) OR #claimedAt < :before)",
                Map.of(":users", AttributeValue.fromSs(users.stream().map(StorePathHash::value).toList()),
                        ":before", n(claimedBefore.toEpochMilli())));
    }

    @Override
    public boolean startDeleting(CacheRecord cache, String narKey, Instant doomedBy, String run) {
        return update(cache, narKey, "SET #deleting = :run",
                "#deleting = :run OR (attribute_not_exists(#deleting) AND attribute_not_exists(#users) AND #doomedAt <= :by)",
                Map.of(":run", s(run), ":by", n(doomedBy.toEpochMilli())));
    }

    @Override
    public void finishDeleting(CacheRecord cache, String narKey, String run) {
        try {
            dynamoDb.deleteItem(b -> b.tableName(table).key(Items.key(pk(cache, narKey), SK))
                    .conditionExpression("#deleting = :run")
                    .expressionAttributeNames(Map.of("#deleting", "deleting"))
                    .expressionAttributeValues(Map.of(":run", s(run))));
        } catch (ConditionalCheckFailedException notOurs) {
            // Another run finished it, or it was never this run's: nothing to remove.
        }
    }

    @Override
    public void deleteAll(CacheRecord cache) {
        List<Callable<List<Map<String, AttributeValue>>>> shards = new ArrayList<>();
        for (String shard : PathListing.SHARDS) {
            String partition = "NARS#" + DynamoDbPathIndex.owner(cache) + "#" + shard;
            shards.add(() -> {
                List<Map<String, AttributeValue>> keys = new ArrayList<>();
                dynamoDb.queryPaginator(b -> b.tableName(table).indexName(DynamoDbTableSchema.GSI2)
                        .keyConditionExpression("#partition = :partition")
                        .expressionAttributeNames(Map.of("#partition", DynamoDbTableSchema.GSI2_PK))
                        .expressionAttributeValues(Map.of(":partition", s(partition)))
                        .projectionExpression("pk, sk")).items().forEach(item -> keys.add(Items.keyOf(item)));
                return keys;
            });
        }
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        Parallel.all(shards, 8).forEach(keys::addAll);
        Items.batchDelete(dynamoDb, table, keys);
    }

    private boolean update(CacheRecord cache, String narKey, String update, String condition, Map<String, AttributeValue> values) {
        Map<String, String> names = new HashMap<>();
        for (String name : List.of("users", "claimedAt", "doomedAt", "deleting", "narKey")) {
            if (update.contains("#" + name) || condition.contains("#" + name)) {
                names.put("#" + name, name);
            }
        }
        if (update.contains("#lpk")) {
            names.put("#lpk", DynamoDbTableSchema.GSI2_PK);
            names.put("#lsk", DynamoDbTableSchema.GSI2_SK);
        }
        try {
            dynamoDb.updateItem(b -> b.tableName(table).key(Items.key(pk(cache, narKey), SK))
                    .updateExpression(update).conditionExpression(condition)
                    .expressionAttributeNames(names.isEmpty() ? null : names).expressionAttributeValues(values)
                    .returnValues(ReturnValue.NONE));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    static NarRecord record(Map<String, AttributeValue> item) {
        Set<StorePathHash> users = new HashSet<>();
        AttributeValue set = item.get("users");
        if (set != null && set.hasSs()) {
            set.ss().forEach(h -> users.add(new StorePathHash(h)));
        }
        return new NarRecord(Items.string(item, "narKey"), users, millis(item, "claimedAt"), millis(item, "doomedAt"),
                Items.optionalString(item, "deleting"));
    }

    private static Instant millis(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? null : Instant.ofEpochMilli(Long.parseLong(value.n()));
    }
}
