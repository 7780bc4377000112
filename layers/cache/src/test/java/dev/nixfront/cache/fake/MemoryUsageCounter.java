package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.UsageCounter;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** One counter per cache incarnation: what the adapter's shards sum to. Counts the adds, which publish makes once per confirmation. */
public final class MemoryUsageCounter implements UsageCounter {
    private final Map<String, Usage> usage = new HashMap<>();
    private int adds;
    /** When set, {@link #add} throws it (a throttled or refused update). */
    public volatile RuntimeException failing;

    private static String owner(CacheRecord cache) {
        return cache.name() + "." + cache.incarnation();
    }

    /** How many times {@link #add} was called. */
    public synchronized int adds() {
        return adds;
    }

    @Override
    public synchronized void add(CacheRecord cache, long paths, long narBytes, Instant lastPush) {
        adds++;
        if (failing != null) {
            throw failing;
        }
        Usage was = usage.getOrDefault(owner(cache), Usage.NONE);
        Instant last = was.lastPush() == null || (lastPush != null && lastPush.isAfter(was.lastPush())) ? lastPush : was.lastPush();
        usage.put(owner(cache), new Usage(was.paths() + paths, was.narBytes() + narBytes, last));
    }

    @Override
    public synchronized Usage read(CacheRecord cache) {
        return usage.getOrDefault(owner(cache), Usage.NONE);
    }

    @Override
    public synchronized void deleteAll(CacheRecord cache) {
        usage.remove(owner(cache));
    }
}
