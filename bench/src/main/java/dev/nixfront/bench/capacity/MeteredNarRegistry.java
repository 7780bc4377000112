package dev.nixfront.bench.capacity;

import dev.nixfront.cache.fake.MemoryNarRegistry;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.NarRecord;
import dev.nixfront.cache.port.NarRegistry;
import dev.nixfront.nix.StorePathHash;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The NAR registry, metered as {@code DynamoDbNarRegistry} uses DynamoDB: a publish's {@link #claim}
 * is one conditional UpdateItem on the NAR's own item (its own partition, listed in gsi2). The
 * collection's calls are not part of the simulated workload and refuse.
 */
final class MeteredNarRegistry implements NarRegistry {
    private final MemoryNarRegistry store;
    private final Meter meter;
    private final TableModel table;
    private final long latency;

    MeteredNarRegistry(MemoryNarRegistry store, Meter meter, TableModel table, long latencyNanos) {
        this.store = store;
        this.meter = meter;
        this.table = table;
        this.latency = latencyNanos;
    }

    /** The item as the adapter writes it, near enough for its size: keys, listing keys, one user, a time. */
    private static Map<String, AttributeValue> item(String pk, String narKey, Collection<StorePathHash> users) {
        return Map.of("pk", AttributeValue.fromS(pk), "sk", AttributeValue.fromS("NAR"),
                "gsi2pk", AttributeValue.fromS("NARS#" + narKey.substring(0, Math.min(narKey.length(), 40))),
                "gsi2sk", AttributeValue.fromS(narKey), "narKey", AttributeValue.fromS(narKey),
                "users", AttributeValue.fromSs(users.stream().map(StorePathHash::value).toList()),
                "claimedAt", AttributeValue.fromN("1764090000000"));
    }

    @Override
    public boolean claim(CacheRecord cache, String narKey, StorePathHash user, Instant at) {
        meter.turn();
        String pk = "NAR#" + cache.name() + "." + cache.incarnation() + "#" + narKey;
        NarRecord before = store.get(cache, List.of(narKey)).get(narKey);
        boolean claimed = store.claim(cache, narKey, user, at);
        NarRecord after = store.get(cache, List.of(narKey)).get(narKey);
        meter.finish(new Request(Request.Service.DYNAMODB, "UpdateItem nar (claim)", latency, claimed
                ? table.write(pk, before == null ? null : item(pk, narKey, before.users()), item(pk, narKey, after.users()))
                : List.of(table.failedWrite(pk, item(pk, narKey, before.users())))));
        return claimed;
    }

    @Override
    public void release(CacheRecord cache, String narKey, StorePathHash user, Instant claimedBefore) {
        throw new UnsupportedOperationException("collections are not part of the capacity simulation");
    }

    @Override
    public Map<String, NarRecord> get(CacheRecord cache, Collection<String> narKeys) {
        throw new UnsupportedOperationException("collections are not part of the capacity simulation");
    }

    @Override
    public boolean doom(CacheRecord cache, String narKey, Instant at) {
        throw new UnsupportedOperationException("collections are not part of the capacity simulation");
    }

    @Override
    public boolean dropUsers(CacheRecord cache, String narKey, Collection<StorePathHash> users, Instant claimedBefore) {
        throw new UnsupportedOperationException("collections are not part of the capacity simulation");
    }

    @Override
    public boolean startDeleting(CacheRecord cache, String narKey, Instant doomedBy, String run) {
        throw new UnsupportedOperationException("collections are not part of the capacity simulation");
    }

    @Override
    public void finishDeleting(CacheRecord cache, String narKey, String run) {
        throw new UnsupportedOperationException("collections are not part of the capacity simulation");
    }

    @Override
    public void deleteAll(CacheRecord cache) {
        throw new UnsupportedOperationException("collections are not part of the capacity simulation");
    }
}
