package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.RootRecord;
import dev.nixfront.cache.port.RootRepository;
import dev.nixfront.nix.StorePathHash;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Roots by cache incarnation and store hash; a root recorded again keeps the later time, as the adapter's condition does. */
public final class MemoryRootRepository implements RootRepository {
    private final Map<String, Map<StorePathHash, RootRecord>> roots = new HashMap<>();

    private static String owner(CacheRecord cache) {
        return cache.name() + "." + cache.incarnation();
    }

    @Override
    public synchronized void record(CacheRecord cache, Collection<RootRecord> records) {
        Map<StorePathHash, RootRecord> of = roots.computeIfAbsent(owner(cache), k -> new HashMap<>());
        for (RootRecord root : records) {
            of.merge(root.path().hash(), root, (old, now) -> now.pushedAt().isAfter(old.pushedAt()) ? now : old);
        }
    }

    @Override
    public synchronized List<RootRecord> list(CacheRecord cache) {
        return new ArrayList<>(roots.getOrDefault(owner(cache), Map.of()).values());
    }

    @Override
    public synchronized void delete(CacheRecord cache, Collection<StorePathHash> hashes) {
        Map<StorePathHash, RootRecord> of = roots.get(owner(cache));
        if (of != null) {
            hashes.forEach(of::remove);
        }
    }

    @Override
    public synchronized void deleteAll(CacheRecord cache) {
        roots.remove(owner(cache));
    }
}
