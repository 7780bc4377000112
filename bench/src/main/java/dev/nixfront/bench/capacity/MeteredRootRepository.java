package dev.nixfront.bench.capacity;

import dev.nixfront.aws.DynamoDbRootRepository;
import dev.nixfront.aws.DynamoDbTableSchema;
import dev.nixfront.cache.fake.MemoryRootRepository;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.RootRecord;
import dev.nixfront.cache.port.RootRepository;
import dev.nixfront.nix.StorePathHash;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The roots, metered as {@code DynamoDbRootRepository} uses DynamoDB: {@link #record} is one
 * conditional UpdateItem per root on its shard's partition ({@link DynamoDbRootRepository#key}),
 * all sent at once. Listing and deleting are garbage collection's and a deletion's, not part of the
 * simulated workload, and refuse.
 */
final class MeteredRootRepository implements RootRepository {
    private final MemoryRootRepository store;
    private final Meter meter;
    private final TableModel table;
    private final long latency;

    MeteredRootRepository(MemoryRootRepository store, Meter meter, TableModel table, long latencyNanos) {
        this.store = store;
        this.meter = meter;
        this.table = table;
        this.latency = latencyNanos;
    }

    @Override
    public void record(CacheRecord cache, Collection<RootRecord> roots) {
        meter.turn();
        store.record(cache, roots);
        List<Request> updates = new ArrayList<>();
        for (RootRecord root : roots) {
            Map<String, AttributeValue> item = new HashMap<>(DynamoDbRootRepository.key(cache, root.path().hash()));
            item.put("storePath", AttributeValue.fromS(root.path().toString()));
            item.put("pushedAt", AttributeValue.fromS("2026-11-25T17:00:00.000000000Z"));
            updates.add(new Request(Request.Service.DYNAMODB, "UpdateItem root", latency,
                    table.write(item.get(DynamoDbTableSchema.PK).s(), item, item)));
        }
        meter.finishAll(updates);
    }

    @Override
    public List<RootRecord> list(CacheRecord cache) {
        throw new UnsupportedOperationException("listing roots is not part of the capacity simulation");
    }

    @Override
    public void delete(CacheRecord cache, Collection<StorePathHash> hashes) {
        throw new UnsupportedOperationException("deleting roots is not part of the capacity simulation");
    }

    @Override
    public void deleteAll(CacheRecord cache) {
        throw new UnsupportedOperationException("deleting a cache is not part of the capacity simulation");
    }
}
