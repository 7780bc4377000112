package dev.nixfront.aws;

import static dev.nixfront.aws.Items.n;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.UsageCounter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * What a cache holds, as {@value #SHARDS} counter items per cache incarnation, each its own
 * partition key:
 * <pre>
 * pk=USAGE#team.3f9a0c1d2b4e5f60#7  sk=USAGE  paths=1234  narBytes=987654321  lastPush=2026-11-25T17:00:00.000000000Z
 * </pre>
 * Every confirmation of a publish adds to one shard chosen at random (UpdateItem {@code ADD}), and
 * the verify function confirms after each path it publishes: at a cache's ceiling of about 2,500
 * paths a second that is over a thousand updates a second, more than one partition key takes
 * (about 1,000 write units), hence shards in the partition key rather than the sort key (items of
 * one partition key share its partition). Reading sums the shards: one BatchGetItem of their
 * {@value #SHARDS} keys. {@code lastPush} only moves forward: it is set on the condition that the
 * shard's is absent or earlier (fixed-width text, {@link Items#sortableInstant}); when that fails
 * the counts are added without it, so a late confirmation costs a second request, never a count.
 * The cache's incarnation is part of the key ({@code USAGE#team#7} for a cache older than
 * incarnations).
 */
public final class DynamoDbUsageCounter implements UsageCounter {
    /** Shards per cache: 16 partitions take some 16,000 updates a second, far above the cache's other limits. */
    public static final int SHARDS = 16;
    static final String SK = "USAGE";

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbUsageCounter(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    // public for the capacity simulation in bench
    public static Map<String, AttributeValue> key(CacheRecord cache, int shard) {
        return Items.key("USAGE#" + DynamoDbPathIndex.owner(cache) + "#" + shard, SK);
    }

    /**
     * The shard is drawn from {@link ThreadLocalRandom}: a SnapStart restore may hand two containers
     * the same sequence, which only makes them pick the same shards in step for a while (the counts
     * stay right); it needs no secure generator.
     */
    @Override
    public void add(CacheRecord cache, long paths, long narBytes, Instant lastPush) {
        if (paths == 0 && narBytes == 0 && lastPush == null) {
            return;
        }
        Map<String, AttributeValue> key = key(cache, ThreadLocalRandom.current().nextInt(SHARDS));
        Map<String, AttributeValue> counts = Map.of(":paths", n(paths), ":bytes", n(narBytes));
        if (lastPush != null) {
            Map<String, AttributeValue> values = new HashMap<>(counts);
            values.put(":at", Items.sortableInstant(lastPush));
            try {
                dynamoDb.updateItem(b -> b.tableName(table).key(key)
                        .updateExpression("ADD paths :paths, narBytes :bytes SET lastPush = :at")
                        .conditionExpression("attribute_not_exists(lastPush) OR lastPush < :at")
                        .expressionAttributeValues(values));
                return;
            } catch (ConditionalCheckFailedException e) {
                // this shard saw a later push already: add the counts alone
            }
        }
        dynamoDb.updateItem(b -> b.tableName(table).key(key)
                .updateExpression("ADD paths :paths, narBytes :bytes")
                .expressionAttributeValues(counts));
    }

    @Override
    public Usage read(CacheRecord cache) {
        long paths = 0;
        long bytes = 0;
        Instant last = null;
        for (Map<String, AttributeValue> item : Items.batchGet(dynamoDb, table, keys(cache))) {
            paths += item.containsKey("paths") ? Items.number(item, "paths") : 0;
            bytes += item.containsKey("narBytes") ? Items.number(item, "narBytes") : 0;
            Instant at = Items.optionalInstant(item, "lastPush");
            if (at != null && (last == null || at.isAfter(last))) {
                last = at;
            }
        }
        return new Usage(paths, bytes, last);
    }

    @Override
    public void deleteAll(CacheRecord cache) {
        Items.batchDelete(dynamoDb, table, keys(cache));
    }

    private static List<Map<String, AttributeValue>> keys(CacheRecord cache) {
        List<Map<String, AttributeValue>> keys = new ArrayList<>(SHARDS);
        for (int shard = 0; shard < SHARDS; shard++) {
            keys.add(key(cache, shard));
        }
        return keys;
    }
}
