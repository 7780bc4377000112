package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.EdgeStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The read path's store in memory; refuses batches larger than a KeyValueStore update takes, and counts the calls. */
public final class MemoryEdgeStore implements EdgeStore {
    private final Map<String, String> entries = new TreeMap<>();
    private final List<Integer> batches = new ArrayList<>();
    private long version = 1;
    /** Runs before every conditional apply (a test writes as another writer there). */
    public volatile Runnable beforeApply = () -> { };

    @Override
    public synchronized void put(Map<String, String> more) {
        batch(more.size());
        entries.putAll(more);
        version++;
    }

    @Override
    public synchronized void delete(Collection<String> keys) {
        batch(keys.size());
        keys.forEach(entries::remove);
        version++;
    }

    @Override
    public synchronized String version() {
        return "v" + version;
    }

    @Override
    public String apply(Map<String, String> puts, Collection<String> deletes, String ifVersion) {
        beforeApply.run();
        synchronized (this) {
            if (!version().equals(ifVersion)) {
                throw new Conflict("the store is at " + version() + ", not " + ifVersion, null);
            }
            batch(puts.size() + deletes.size());
            deletes.forEach(entries::remove);
            entries.putAll(puts);
            version++;
            return version();
        }
    }

    @Override
    public synchronized Map<String, String> list() {
        return new TreeMap<>(entries);
    }

    @Override
    public synchronized Optional<String> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** The cache and token entries ({@code c:} and {@code t:}), without the reconciler's {@code s:filled}. */
    public synchronized Map<String, String> entries() {
        Map<String, String> managed = new TreeMap<>(entries);
        managed.keySet().removeIf(key -> key.startsWith("s:"));
        return managed;
    }

    /** The size of every put and delete so far, in order. */
    public synchronized List<Integer> batches() {
        return List.copyOf(batches);
    }

    private void batch(int size) {
        if (size > MAX_BATCH) {
            throw new IllegalArgumentException("a batch of " + size + " keys, more than " + MAX_BATCH);
        }
        batches.add(size);
    }
}
