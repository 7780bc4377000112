package dev.nixfront.bench.capacity;

import dev.nixfront.aws.DynamoDbTableSchema;
import dev.nixfront.aws.DynamoDbUsageCounter;
import dev.nixfront.cache.fake.MemoryUsageCounter;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.UsageCounter;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The usage counters, metered as {@code DynamoDbUsageCounter} uses DynamoDB: {@link #add} is one
 * UpdateItem of a shard drawn at random ({@link DynamoDbUsageCounter#key}, each shard its own
 * partition key), an item of a few dozen bytes. A late {@code lastPush} costs the adapter a second
 * UpdateItem; with one confirmation at a time per shard that is rare and not charged. {@link #read}
 * and {@link #deleteAll} are not part of the simulated workload and refuse.
 */
final class MeteredUsageCounter implements UsageCounter {
    private final MemoryUsageCounter store;
    private final Meter meter;
    private final TableModel table;
    private final long latency;
    private final Random random = new Random(17);

    MeteredUsageCounter(MemoryUsageCounter store, Meter meter, TableModel table, long latencyNanos) {
        this.store = store;
        this.meter = meter;
        this.table = table;
        this.latency = latencyNanos;
    }

    @Override
    public void add(CacheRecord cache, long paths, long narBytes, Instant lastPush) {
        meter.turn();
        store.add(cache, paths, narBytes, lastPush);
        Map<String, AttributeValue> item = new HashMap<>(DynamoDbUsageCounter.key(cache, random.nextInt(DynamoDbUsageCounter.SHARDS)));
        item.put("paths", AttributeValue.fromN(Long.toString(paths)));
        item.put("narBytes", AttributeValue.fromN(Long.toString(narBytes)));
        item.put("lastPush", AttributeValue.fromS("2026-11-25T17:00:00.000000000Z"));
        meter.finish(new Request(Request.Service.DYNAMODB, "UpdateItem usage", latency,
                table.write(item.get(DynamoDbTableSchema.PK).s(), item, item)));
    }

    @Override
    public Usage read(CacheRecord cache) {
        throw new UnsupportedOperationException("reading usage is not part of the capacity simulation");
    }

    @Override
    public void deleteAll(CacheRecord cache) {
        throw new UnsupportedOperationException("deleting a cache is not part of the capacity simulation");
    }
}
