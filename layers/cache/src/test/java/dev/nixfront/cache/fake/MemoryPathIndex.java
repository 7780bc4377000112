package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.StorePathHash;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

public final class MemoryPathIndex implements PathIndex {
    private final Map<String, PathRecord> items = new HashMap<>();
    private final List<String> writes = new ArrayList<>();
    private long keysRead;

    private static String key(CacheName cache, StorePathHash hash) {
        return cache + "#" + hash;
    }

    public synchronized Optional<PathRecord> record(CacheName cache, StorePathHash hash) {
        return Optional.ofNullable(items.get(key(cache, hash)));
    }

    /** Loses an item, as a crash between the narinfo write and the index write would. */
    public synchronized void forget(CacheName cache, StorePathHash hash) {
        items.remove(key(cache, hash));
    }

    /** Successful writes, in order, as {@code <state> <storeHash>}. */
    public synchronized List<String> writes() {
        return List.copyOf(writes);
    }

    /** How many keys all {@link #get} calls asked for: the adapter's cost is one read per key. */
    public synchronized long keysRead() {
        return keysRead;
    }

    @Override
    public synchronized Map<StorePathHash, PathRecord> get(CacheName cache, Collection<StorePathHash> hashes) {
        keysRead += hashes.size();
        Map<StorePathHash, PathRecord> found = new HashMap<>();
        for (StorePathHash h : hashes) {
            PathRecord r = items.get(key(cache, h));
            if (r != null) {
                found.put(h, r);
            }
        }
        return found;
    }

    @Override
    public synchronized boolean putUnlessPublished(CacheName cache, PathRecord record) {
        PathRecord existing = items.get(key(cache, record.hash()));
        if (existing != null && existing.state() == PathState.PUBLISHED) {
            return false;
        }
        items.put(key(cache, record.hash()), record);
        writes.add(record.state().wire() + " " + record.hash());
        return true;
    }

    @Override
    public synchronized boolean putRejected(CacheName cache, PathRecord rejected, PathRecord examined) {
        if (rejected.state() != PathState.REJECTED) {
            throw new IllegalArgumentException("putRejected writes rejected records only");
        }
        PathRecord existing = items.get(key(cache, rejected.hash()));
        boolean replaceable = existing == null || existing.state() == PathState.REJECTED
                || (existing.state() == PathState.VERIFYING && examined != null
                    && examined.state() == PathState.VERIFYING && Objects.equals(existing.attempt(), examined.attempt()));
        if (!replaceable) {
            return false;
        }
        items.put(key(cache, rejected.hash()), rejected);
        writes.add(rejected.state().wire() + " " + rejected.hash());
        return true;
    }

    @Override
    public synchronized void deleteAll(CacheName cache) {
        items.keySet().removeIf(k -> k.startsWith(cache + "#"));
    }
}
