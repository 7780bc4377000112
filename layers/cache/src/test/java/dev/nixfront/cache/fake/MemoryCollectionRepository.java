package dev.nixfront.cache.fake;

import dev.nixfront.api.GcStatus;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CollectionRepository;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The lease and outcome per cache incarnation, with the adapter's conditions. */
public final class MemoryCollectionRepository implements CollectionRepository {
    private record Entry(GcStatus status, Instant expiresAt) {}

    private final Map<String, Entry> entries = new HashMap<>();

    private static String owner(CacheRecord cache) {
        return cache.name() + "." + cache.incarnation();
    }

    @Override
    public synchronized Optional<GcStatus> start(CacheRecord cache, String run, Instant now, Instant expiresAt) {
        Entry e = entries.get(owner(cache));
        if (e != null && e.status().running() && !e.expiresAt().isBefore(now)) {
            return Optional.of(e.status());
        }
        entries.put(owner(cache), new Entry(new GcStatus(cache.name().value(), run, GcStatus.RUNNING, now, null, null, null), expiresAt));
        return Optional.empty();
    }

    @Override
    public synchronized boolean extend(CacheRecord cache, String run, Instant expiresAt) {
        Entry e = entries.get(owner(cache));
        if (e == null || !e.status().running() || !run.equals(e.status().run())) {
            return false;
        }
        entries.put(owner(cache), new Entry(e.status(), expiresAt));
        return true;
    }

    @Override
    public synchronized boolean finish(CacheRecord cache, GcStatus outcome) {
        Entry e = entries.get(owner(cache));
        if (e == null || !e.status().running() || !outcome.run().equals(e.status().run())) {
            return false;
        }
        entries.put(owner(cache), new Entry(outcome, e.expiresAt()));
        return true;
    }

    @Override
    public synchronized Optional<GcStatus> get(CacheRecord cache, Instant now) {
        Entry e = entries.get(owner(cache));
        if (e == null) {
            return Optional.empty();
        }
        GcStatus s = e.status();
        if (s.running() && e.expiresAt().isBefore(now)) {
            return Optional.of(new GcStatus(s.cache(), s.run(), GcStatus.ABANDONED, s.startedAt(), null, null, null));
        }
        return Optional.of(s);
    }

    @Override
    public synchronized void deleteAll(CacheRecord cache) {
        entries.remove(owner(cache));
    }
}
