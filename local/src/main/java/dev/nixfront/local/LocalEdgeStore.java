package dev.nixfront.local;

import dev.nixfront.cache.EdgeEntries;
import dev.nixfront.cache.port.EdgeStore;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The read path's store in local mode: a map in this JVM, read by the {@link ReadServer} on every
 * request and written by the services before they answer, so a revocation bites at the very next
 * read. It is not kept on disk: the stack fills it from the table at every start
 * ({@code EdgeReconciler}) before its API takes a request, and it is born marked filled
 * ({@code s:filled}): between the read server's start and that fill, a cache without an entry is
 * refused (404), never let through unchecked. Like a KeyValueStore update, a call takes at most
 * {@link EdgeStore#MAX_BATCH} keys, so the local tests catch a caller that would send more.
 */
final class LocalEdgeStore implements EdgeStore {
    private final Map<String, String> entries = new ConcurrentHashMap<>();
    private long version = 1;

    LocalEdgeStore(Instant now) {
        entries.put(EdgeEntries.FILLED, EdgeEntries.filled(now));
    }

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
        return Long.toString(version);
    }

    @Override
    public synchronized String apply(Map<String, String> puts, Collection<String> deletes, String ifVersion) {
        if (!version().equals(ifVersion)) {
            throw new Conflict("the local edge store is at version " + version + ", not " + ifVersion, null);
        }
        batch(puts.size() + deletes.size());
        deletes.forEach(entries::remove);
        entries.putAll(puts);
        version++;
        return version();
    }

    @Override
    public Map<String, String> list() {
        return new TreeMap<>(entries);
    }

    /** The value of {@code key}, as the CloudFront function's {@code kvs.get} finds it. */
    @Override
    public Optional<String> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    private static void batch(int size) {
        if (size > MAX_BATCH) {
            throw new IllegalArgumentException("a batch of " + size + " keys; a KeyValueStore update takes at most " + MAX_BATCH);
        }
    }
}
