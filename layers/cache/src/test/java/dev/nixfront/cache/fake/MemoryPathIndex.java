package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
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
import java.util.function.Consumer;

public final class MemoryPathIndex implements PathIndex {
    private final Map<String, PathRecord> items = new HashMap<>();
    private final List<String> writes = new ArrayList<>();
    private long keysRead;

    /** Keyed as the DynamoDB adapter keys them: by cache name and incarnation. */
    private static String owner(CacheRecord cache) {
        return cache.name() + "." + cache.incarnation();
    }

    private static String key(CacheRecord cache, StorePathHash hash) {
        return owner(cache) + "#" + hash;
    }

    /** The item of this incarnation of the cache. */
    public synchronized Optional<PathRecord> record(CacheRecord cache, StorePathHash hash) {
        return Optional.ofNullable(items.get(key(cache, hash)));
    }

    /** The item of any incarnation of a cache of this name (tests that never re-create a name). */
    public synchronized Optional<PathRecord> record(CacheName cache, StorePathHash hash) {
        return items.entrySet().stream()
                .filter(e -> e.getKey().startsWith(cache + ".") && e.getKey().endsWith("#" + hash))
                .map(Map.Entry::getValue).findFirst();
    }

    /** Loses an item, as a crash between the narinfo write and the index write would. */
    public synchronized void forget(CacheName cache, StorePathHash hash) {
        items.keySet().removeIf(k -> k.startsWith(cache + ".") && k.endsWith("#" + hash));
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
    public synchronized Map<StorePathHash, PathRecord> get(CacheRecord cache, Collection<StorePathHash> hashes) {
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

    /** Runs before every putUnlessPublished (a test lets time pass there). */
    public volatile Runnable onPut = () -> { };

    /** Runs after every putUnlessPublished that wrote nothing (a test lets a collection go on there). */
    public volatile Consumer<PathRecord> onRefusedPut = record -> { };

    @Override
    public boolean putUnlessPublished(CacheRecord cache, PathRecord record) {
        onPut.run();
        boolean put = put(cache, record);
        if (!put) {
            onRefusedPut.accept(record);
        }
        return put;
    }

    private synchronized boolean put(CacheRecord cache, PathRecord record) {
        PathRecord existing = items.get(key(cache, record.hash()));
        if (existing != null && (existing.state() == PathState.PUBLISHED || existing.state() == PathState.DELETING)) {
            return false;
        }
        items.put(key(cache, record.hash()), record);
        writes.add(record.state().wire() + " " + record.hash());
        return true;
    }

    /** Runs before every state transition a collection asks for (a test interleaves a publish there). */
    public volatile Runnable beforeTransition = () -> { };

    @Override
    public List<StorePathHash> listHashes(CacheRecord cache) {
        synchronized (this) {
            return items.keySet().stream().filter(k -> k.startsWith(owner(cache) + "#"))
                    .map(k -> new StorePathHash(k.substring(k.lastIndexOf('#') + 1))).sorted(java.util.Comparator.comparing(StorePathHash::value))
                    .toList();
        }
    }

    @Override
    public boolean markCollecting(CacheRecord cache, PathRecord seen, String run) {
        beforeTransition.run();
        synchronized (this) {
            PathRecord now = items.get(key(cache, seen.hash()));
            if (now == null || now.state() != PathState.PUBLISHED || !now.updatedAt().equals(seen.updatedAt())) {
                return false;
            }
            return replace(cache, new PathRecord(now.info(), PathState.COLLECTING, null, now.updatedAt(), run));
        }
    }

    @Override
    public boolean revive(CacheRecord cache, StorePathHash hash) {
        synchronized (this) {
            PathRecord now = items.get(key(cache, hash));
            if (now == null || now.state() != PathState.COLLECTING) {
                return false;
            }
            return replace(cache, new PathRecord(now.info(), PathState.PUBLISHED, null, now.updatedAt()));
        }
    }

    @Override
    public boolean markDeleting(CacheRecord cache, StorePathHash hash, String run) {
        beforeTransition.run();
        synchronized (this) {
            PathRecord now = items.get(key(cache, hash));
            if (now == null || now.state() != PathState.COLLECTING || !run.equals(now.attempt())) {
                return false;
            }
            return replace(cache, new PathRecord(now.info(), PathState.DELETING, null, now.updatedAt(), run));
        }
    }

    @Override
    public boolean deleteDeleting(CacheRecord cache, StorePathHash hash, String run) {
        beforeTransition.run();
        synchronized (this) {
            PathRecord now = items.get(key(cache, hash));
            if (now == null || now.state() != PathState.DELETING || !run.equals(now.attempt())) {
                return false;
            }
            items.remove(key(cache, hash));
            writes.add("delete " + hash);
            return true;
        }
    }

    private boolean replace(CacheRecord cache, PathRecord record) {
        items.put(key(cache, record.hash()), record);
        writes.add(record.state().wire() + " " + record.hash());
        return true;
    }

    @Override
    public synchronized boolean putRejected(CacheRecord cache, PathRecord rejected, PathRecord examined) {
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
    public synchronized void delete(CacheRecord cache, StorePathHash hash) {
        items.remove(key(cache, hash));
        writes.add("delete " + hash);
    }

    @Override
    public synchronized void deleteAll(CacheRecord cache) {
        items.keySet().removeIf(k -> k.startsWith(owner(cache) + "#"));
    }

    /** Entries still in the listing of before sharding, by cache name: what migrateListing has to move. */
    public final Map<String, Integer> legacyListings = new HashMap<>();
    /** Runs at every migrateListing call (a test advances its clock there). */
    public Runnable onMigrateStep = () -> { };

    /** Moves (counts down) up to {@code limit} of the cache's {@link #legacyListings}. */
    @Override
    public synchronized int migrateListing(CacheRecord cache, int limit) {
        onMigrateStep.run();
        int left = legacyListings.getOrDefault(cache.name().value(), 0);
        int moved = Math.min(left, limit);
        legacyListings.put(cache.name().value(), left - moved);
        return moved;
    }
}
