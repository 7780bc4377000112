package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.NarRecord;
import dev.nixfront.cache.port.NarRegistry;
import dev.nixfront.nix.StorePathHash;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** The NAR registry in memory, with the conditions of the DynamoDB adapter. */
public final class MemoryNarRegistry implements NarRegistry {
    private final Map<String, NarRecord> records = new HashMap<>();

    private static String key(CacheRecord cache, String narKey) {
        return cache.name() + "." + cache.incarnation() + "#" + narKey;
    }

    @Override
    public synchronized boolean claim(CacheRecord cache, String narKey, StorePathHash user, Instant at) {
        NarRecord r = records.get(key(cache, narKey));
        if (r != null && r.deleting() != null) {
            return false;
        }
        Set<StorePathHash> users = new HashSet<>(r == null ? Set.of() : r.users());
        users.add(user);
        records.put(key(cache, narKey), new NarRecord(narKey, users, at, null, null));
        return true;
    }

    @Override
    public synchronized void release(CacheRecord cache, String narKey, StorePathHash user, Instant claimedBefore) {
        NarRecord r = records.get(key(cache, narKey));
        if (r != null && (r.claimedAt() == null || r.claimedAt().isBefore(claimedBefore))) {
            Set<StorePathHash> users = new HashSet<>(r.users());
            users.remove(user);
            records.put(key(cache, narKey), new NarRecord(narKey, users, r.claimedAt(), r.doomedAt(), r.deleting()));
        }
    }

    @Override
    public synchronized Map<String, NarRecord> get(CacheRecord cache, Collection<String> narKeys) {
        Map<String, NarRecord> found = new HashMap<>();
        for (String narKey : narKeys) {
            NarRecord r = records.get(key(cache, narKey));
            if (r != null) {
                found.put(narKey, r);
            }
        }
        return found;
    }

    @Override
    public synchronized boolean doom(CacheRecord cache, String narKey, Instant at) {
        NarRecord r = records.get(key(cache, narKey));
        if (r != null && (!r.users().isEmpty() || r.doomedAt() != null || r.deleting() != null)) {
            return false;
        }
        records.put(key(cache, narKey), new NarRecord(narKey, Set.of(), r == null ? null : r.claimedAt(), at, null));
        return true;
    }

    @Override
    public synchronized boolean dropUsers(CacheRecord cache, String narKey, Collection<StorePathHash> users, Instant claimedBefore) {
        NarRecord r = records.get(key(cache, narKey));
        if (r == null || (r.claimedAt() != null && !r.claimedAt().isBefore(claimedBefore))) {
            return false;
        }
        Set<StorePathHash> left = new HashSet<>(r.users());
        left.removeAll(users);
        records.put(key(cache, narKey), new NarRecord(narKey, left, r.claimedAt(), r.doomedAt(), r.deleting()));
        return true;
    }

    @Override
    public synchronized boolean startDeleting(CacheRecord cache, String narKey, Instant doomedBy, String run) {
        NarRecord r = records.get(key(cache, narKey));
        if (r == null) {
            return false;
        }
        if (run.equals(r.deleting())) {
            return true;
        }
        if (r.deleting() != null || !r.users().isEmpty() || r.doomedAt() == null || r.doomedAt().isAfter(doomedBy)) {
            return false;
        }
        records.put(key(cache, narKey), new NarRecord(narKey, Set.of(), r.claimedAt(), r.doomedAt(), run));
        return true;
    }

    @Override
    public synchronized void finishDeleting(CacheRecord cache, String narKey, String run) {
        NarRecord r = records.get(key(cache, narKey));
        if (r != null && run.equals(r.deleting())) {
            records.remove(key(cache, narKey));
        }
    }

    @Override
    public synchronized void deleteAll(CacheRecord cache) {
        records.keySet().removeIf(k -> k.startsWith(cache.name() + "." + cache.incarnation() + "#"));
    }

    /** Every record, for assertions. */
    public synchronized Map<String, NarRecord> all() {
        return Map.copyOf(records);
    }
}
