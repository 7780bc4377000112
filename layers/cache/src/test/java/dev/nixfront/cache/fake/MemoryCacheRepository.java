package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.TreeMap;

/** The cache items in memory, with the conditions the DynamoDB adapter writes with. */
public final class MemoryCacheRepository implements CacheRepository {
    private final Map<CacheName, CacheRecord> caches = new TreeMap<>();

    /** Live caches of these names, each its own incarnation, as tests of tokens need them to exist. */
    public static MemoryCacheRepository withCaches(String... names) {
        MemoryCacheRepository repository = new MemoryCacheRepository();
        for (int i = 0; i < names.length; i++) {
            repository.create(new CacheRecord(CacheName.of(names[i]), names[i] + "-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=",
                    new byte[] {1}, 40, false, Instant.parse("2026-11-25T17:00:00Z"), "%016x".formatted(i + 1), null), null);
        }
        return repository;
    }

    @Override
    public synchronized boolean create(CacheRecord cache, Instant replacing) {
        CacheRecord existing = caches.get(cache.name());
        boolean allowed = replacing == null ? existing == null
                : existing != null && Objects.equals(existing.deletedAt(), replacing);
        if (allowed) {
            caches.put(cache.name(), cache);
        }
        return allowed;
    }

    /** How many times {@link #get} was called: the reads of a cache item, which a publish keeps to one per request. */
    public final AtomicInteger gets = new AtomicInteger();

    @Override
    public synchronized Optional<CacheRecord> get(CacheName name) {
        gets.incrementAndGet();
        return Optional.ofNullable(caches.get(name));
    }

    @Override
    public synchronized List<CacheRecord> list() {
        return List.copyOf(caches.values());
    }

    @Override
    public synchronized boolean markDeleted(CacheName name, String incarnation, Instant at) {
        CacheRecord existing = caches.get(name);
        if (existing == null || !existing.live() || !existing.incarnation().equals(incarnation)) {
            return false;
        }
        caches.put(name, existing.deleted(at));
        return true;
    }

    @Override
    public synchronized boolean update(CacheRecord current, boolean privateCache, int priority) {
        CacheName name = current.name();
        CacheRecord c = caches.get(name);
        if (c == null || !c.live() || !c.incarnation().equals(current.incarnation())
                || c.privateCache() != current.privateCache() || c.priority() != current.priority()) {
            return false;
        }
        caches.put(name, new CacheRecord(c.name(), c.publicKey(), c.sealedKey(), priority, privateCache, c.createdAt(),
                c.incarnation(), null, c.gc()));
        return true;
    }

    @Override
    public synchronized boolean updateGc(CacheRecord current, dev.nixfront.cache.port.GcPolicy policy) {
        CacheRecord c = caches.get(current.name());
        if (c == null || !c.live() || !c.incarnation().equals(current.incarnation()) || !c.gc().equals(current.gc())) {
            return false;
        }
        caches.put(current.name(), c.withGc(policy));
        return true;
    }

    @Override
    public synchronized boolean updateUpstreams(CacheRecord current, List<dev.nixfront.cache.port.UpstreamCache> upstreams) {
        CacheRecord c = caches.get(current.name());
        if (c == null || !c.live() || !c.incarnation().equals(current.incarnation()) || !c.upstreams().equals(current.upstreams())) {
            return false;
        }
        caches.put(current.name(), c.withUpstreams(upstreams));
        return true;
    }

    @Override
    public synchronized void delete(CacheName name) {
        caches.remove(name);
    }
}
