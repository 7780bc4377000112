package dev.nixfront.cache;

import dev.nixfront.cache.port.EdgeStore;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The read path's store as a map in this JVM: the local stack's (its read server reads it on every
 * request, so a revocation bites at the very next read) and the tests'. Its version is a counter that
 * every write moves on, as a KeyValueStore's ETag, and a call takes at most {@link EdgeStore#MAX_BATCH}
 * keys like a KeyValueStore update, so a caller that would send more is caught here too.
 */
public class MapEdgeStore implements EdgeStore {
    private final Map<String, String> entries = new TreeMap<>();
    private long version = 1;

    @Override
    public synchronized void put(Map<String, String> more) {
        written(more.size());
        entries.putAll(more);
        version++;
    }

    @Override
    public synchronized void delete(Collection<String> keys) {
        written(keys.size());
        keys.forEach(entries::remove);
        version++;
    }

    @Override
    public synchronized String version() {
        return Long.toString(version);
    }

    @Override
    public String apply(Map<String, String> puts, Collection<String> deletes, String ifVersion) {
        beforeApply();
        synchronized (this) {
            if (!version().equals(ifVersion)) {
                throw new Conflict("the store is at version " + version + ", not " + ifVersion, null);
            }
            written(puts.size() + deletes.size());
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

    /** The value of {@code key}, as the CloudFront function's {@code kvs.get} finds it. */
    @Override
    public synchronized Optional<String> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** Checks one write's size; a subclass may also record it. */
    protected void written(int size) {
        if (size > MAX_BATCH) {
            throw new IllegalArgumentException("a batch of " + size + " keys; a KeyValueStore update takes at most " + MAX_BATCH);
        }
    }

    /** Runs before a conditional write, outside the lock (tests write as another writer there). */
    protected void beforeApply() {
        // nothing by default
    }
}
