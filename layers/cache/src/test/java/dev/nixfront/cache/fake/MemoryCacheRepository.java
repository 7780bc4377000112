package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

public final class MemoryCacheRepository implements CacheRepository {
    private final Map<CacheName, CacheRecord> caches = new TreeMap<>();

    @Override
    public synchronized boolean create(CacheRecord cache) {
        return caches.putIfAbsent(cache.name(), cache) == null;
    }

    @Override
    public synchronized Optional<CacheRecord> get(CacheName name) {
        return Optional.ofNullable(caches.get(name));
    }

    @Override
    public synchronized List<CacheRecord> list() {
        return List.copyOf(caches.values());
    }

    @Override
    public synchronized void delete(CacheName name) {
        caches.remove(name);
    }
}
