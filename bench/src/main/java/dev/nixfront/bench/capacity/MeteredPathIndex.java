package dev.nixfront.bench.capacity;

import dev.nixfront.aws.DynamoDbPathIndex;
import dev.nixfront.cache.fake.MemoryPathIndex;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.StorePathHash;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The path index, metered as {@code DynamoDbPathIndex} uses DynamoDB, on the items and keys it would
 * write ({@link DynamoDbPathIndex#item}, {@link DynamoDbPathIndex#pk}), so a change of the key design
 * shows here by itself: {@link #get} is a consistent BatchGetItem per 100 distinct keys, each key read
 * on its own partition; {@link #putUnlessPublished} and {@link #putRejected} one conditional PutItem,
 * with the writes of every index whose keys the item has; {@link #delete} a DeleteItem.
 * {@link #deleteAll} (a cache's deletion), {@link #migrateListing} (an upgrade) and a collection's
 * listing and transitions are not part of the simulated workload and refuse; {@link #revive} (a
 * publish meeting a collecting reference, which the simulation never collects) too.
 */
final class MeteredPathIndex implements PathIndex {
    /** BatchGetItem's limit, as {@code Items.batchGet} chunks. */
    private static final int BATCH_GET = 100;

    private final MemoryPathIndex store;
    private final Meter meter;
    private final TableModel table;
    private final long latency;

    MeteredPathIndex(MemoryPathIndex store, Meter meter, TableModel table, long latencyNanos) {
        this.store = store;
        this.meter = meter;
        this.table = table;
        this.latency = latencyNanos;
    }

    private long finish(String operation, List<Demand> demands) {
        return meter.finish(new Request(Request.Service.DYNAMODB, operation, latency, demands));
    }

    private Map<String, AttributeValue> item(CacheRecord cache, StorePathHash hash) {
        return store.record(cache, hash).map(r -> DynamoDbPathIndex.item(cache, r)).orElse(null);
    }

    @Override
    public Map<StorePathHash, PathRecord> get(CacheRecord cache, Collection<StorePathHash> hashes) {
        List<StorePathHash> distinct = List.copyOf(new LinkedHashSet<>(hashes));
        Map<StorePathHash, PathRecord> found = new HashMap<>();
        for (int from = 0; from < distinct.size(); from += BATCH_GET) {
            List<StorePathHash> chunk = distinct.subList(from, Math.min(distinct.size(), from + BATCH_GET));
            meter.turn();
            Map<StorePathHash, PathRecord> part = store.get(cache, chunk);
            List<Demand> demands = new ArrayList<>(chunk.size());
            for (StorePathHash hash : chunk) {
                PathRecord record = part.get(hash);
                demands.add(table.read(DynamoDbPathIndex.pk(cache, hash),
                        record == null ? null : DynamoDbPathIndex.item(cache, record), true));
            }
            finish("BatchGetItem paths (consistent)", demands);
            found.putAll(part);
        }
        return found;
    }

    @Override
    public boolean putUnlessPublished(CacheRecord cache, PathRecord record) {
        meter.turn();
        String pk = DynamoDbPathIndex.pk(cache, record.hash());
        Map<String, AttributeValue> before = item(cache, record.hash());
        boolean written = store.putUnlessPublished(cache, record);
        long end = finish("PutItem path (" + record.state().wire() + ")", written
                ? table.write(pk, before, DynamoDbPathIndex.item(cache, record)) : List.of(table.failedWrite(pk, before)));
        if (written && record.state() == PathState.PUBLISHED) {
            meter.published(end);
        }
        return written;
    }

    @Override
    public boolean putRejected(CacheRecord cache, PathRecord rejected, PathRecord examined) {
        meter.turn();
        String pk = DynamoDbPathIndex.pk(cache, rejected.hash());
        Map<String, AttributeValue> before = item(cache, rejected.hash());
        boolean written = store.putRejected(cache, rejected, examined);
        finish("PutItem path (rejected)", written
                ? table.write(pk, before, DynamoDbPathIndex.item(cache, rejected)) : List.of(table.failedWrite(pk, before)));
        return written;
    }

    @Override
    public void delete(CacheRecord cache, StorePathHash hash) {
        meter.turn();
        Map<String, AttributeValue> before = item(cache, hash);
        store.delete(cache, hash);
        finish("DeleteItem path", table.write(DynamoDbPathIndex.pk(cache, hash), before, null));
    }

    @Override
    public void deleteAll(CacheRecord cache) {
        throw new UnsupportedOperationException("deleting a cache is not part of the capacity simulation");
    }

    @Override
    public int migrateListing(CacheRecord cache, int limit) {
        throw new UnsupportedOperationException("migrating the listing is not part of the capacity simulation");
    }

    @Override
    public List<StorePathHash> listHashes(CacheRecord cache) {
        throw new UnsupportedOperationException("collections are not part of the capacity simulation");
    }

    @Override
    public boolean markCollecting(CacheRecord cache, PathRecord seen, String run) {
        throw new UnsupportedOperationException("collections are not part of the capacity simulation");
    }

    @Override
    public boolean revive(CacheRecord cache, StorePathHash hash) {
        throw new UnsupportedOperationException("collections are not part of the capacity simulation");
    }

    @Override
    public boolean markDeleting(CacheRecord cache, StorePathHash hash, String run) {
        throw new UnsupportedOperationException("collections are not part of the capacity simulation");
    }

    @Override
    public boolean deleteDeleting(CacheRecord cache, StorePathHash hash, String run) {
        throw new UnsupportedOperationException("collections are not part of the capacity simulation");
    }
}
