package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.TrustRecord;
import dev.nixfront.cache.port.TrustRepository;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Trusts by cache incarnation and id, as the adapter keys them. */
public final class MemoryTrustRepository implements TrustRepository {
    private final Map<String, TreeMap<String, TrustRecord>> trusts = new HashMap<>();

    private static String owner(CacheRecord cache) {
        return cache.name() + "." + cache.incarnation();
    }

    /** Every trust of every incarnation: what a sweep must leave empty. */
    public synchronized int size() {
        return trusts.values().stream().mapToInt(Map::size).sum();
    }

    @Override
    public synchronized List<TrustRecord> list(CacheRecord cache) {
        return new ArrayList<>(trusts.getOrDefault(owner(cache), new TreeMap<>()).values());
    }

    @Override
    public synchronized void create(CacheRecord cache, TrustRecord trust) {
        if (trusts.computeIfAbsent(owner(cache), k -> new TreeMap<>()).putIfAbsent(trust.id(), trust) != null) {
            throw new IllegalStateException("trust " + trust.id() + " exists");
        }
    }

    @Override
    public synchronized boolean delete(CacheRecord cache, String id) {
        return trusts.getOrDefault(owner(cache), new TreeMap<>()).remove(id) != null;
    }

    @Override
    public synchronized void deleteAll(CacheRecord cache) {
        trusts.remove(owner(cache));
    }
}
