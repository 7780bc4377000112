package dev.nixfront.bench.capacity;

import dev.nixfront.aws.DynamoDbCacheRepository;
import dev.nixfront.cache.fake.MemoryCacheRepository;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The cache items, metered as {@code DynamoDbCacheRepository} uses DynamoDB, on the items it would
 * write ({@link DynamoDbCacheRepository#item}): {@link #get} a consistent GetItem (every request
 * of every function, and publish's check after each path), {@link #create} a conditional PutItem,
 * {@link #markDeleted} a conditional UpdateItem, {@link #delete} a DeleteItem. {@link #list} (a
 * query of gsi1) is not part of the simulated workload and refuses.
 */
final class MeteredCacheRepository implements CacheRepository {
    private final MemoryCacheRepository store;
    private final Meter meter;
    private final TableModel table;
    private final long latency;

    MeteredCacheRepository(MemoryCacheRepository store, Meter meter, TableModel table, long latencyNanos) {
        this.store = store;
        this.meter = meter;
        this.table = table;
        this.latency = latencyNanos;
    }

    private static Map<String, AttributeValue> item(Optional<CacheRecord> cache) {
        return cache.map(DynamoDbCacheRepository::item).orElse(null);
    }

    private void finish(String operation, List<Demand> demands) {
        meter.finish(new Request(Request.Service.DYNAMODB, operation, latency, demands));
    }

    @Override
    public boolean create(CacheRecord cache, Instant replacing) {
        meter.turn();
        String pk = DynamoDbCacheRepository.pk(cache.name());
        Map<String, AttributeValue> before = item(store.get(cache.name()));
        boolean created = store.create(cache, replacing);
        finish("PutItem cache (create)", created ? table.write(pk, before, DynamoDbCacheRepository.item(cache))
                : List.of(table.failedWrite(pk, before)));
        return created;
    }

    @Override
    public Optional<CacheRecord> get(CacheName name) {
        meter.turn();
        Optional<CacheRecord> found = store.get(name);
        finish("GetItem cache (consistent)", List.of(table.read(DynamoDbCacheRepository.pk(name), item(found), true)));
        return found;
    }

    @Override
    public List<CacheRecord> list() {
        throw new UnsupportedOperationException("listing caches is not part of the capacity simulation");
    }

    @Override
    public boolean markDeleted(CacheName name, String incarnation, Instant at) {
        meter.turn();
        String pk = DynamoDbCacheRepository.pk(name);
        Map<String, AttributeValue> before = item(store.get(name));
        boolean marked = store.markDeleted(name, incarnation, at);
        finish("UpdateItem cache (mark deleted)", marked ? table.write(pk, before, item(store.get(name)))
                : List.of(table.failedWrite(pk, before)));
        return marked;
    }

    @Override
    public void delete(CacheName name) {
        meter.turn();
        Map<String, AttributeValue> before = item(store.get(name));
        store.delete(name);
        finish("DeleteItem cache", table.write(DynamoDbCacheRepository.pk(name), before, null));
    }

    /** Changing a cache's visibility or priority is not part of a push. */
    @Override
    public boolean update(CacheRecord current, boolean privateCache, int priority) {
        throw new UnsupportedOperationException("updating a cache is not part of the capacity simulation");
    }

    @Override
    public boolean updateGc(CacheRecord current, dev.nixfront.cache.port.GcPolicy policy) {
        throw new UnsupportedOperationException("updating a cache is not part of the capacity simulation");
    }

    @Override
    public boolean updateUpstreams(CacheRecord current, List<dev.nixfront.cache.port.UpstreamCache> upstreams) {
        throw new UnsupportedOperationException("updating a cache is not part of the capacity simulation");
    }
}
