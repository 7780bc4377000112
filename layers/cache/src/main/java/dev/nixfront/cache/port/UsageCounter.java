package dev.nixfront.cache.port;

import java.time.Instant;

/**
 * What a cache holds, kept current without a hot key: each change is added to one of several
 * counter items (a shard), and a read sums them. Publish adds the paths it made published and
 * their file sizes; garbage collection and path deletion subtract what they removed. The counts
 * belong to one incarnation of the cache.
 */
public interface UsageCounter {
    /** Adds (or, negative, subtracts) paths and NAR bytes; {@code lastPush} (nullable) moves forward only. */
    void add(CacheRecord cache, long paths, long narBytes, Instant lastPush);

    /** The sums over every shard. */
    Usage read(CacheRecord cache);

    /** Removes every counter of the cache's incarnation: part of deleting the cache. Idempotent. */
    void deleteAll(CacheRecord cache);

    /**
     * A cache's usage.
     *
     * @param paths    published paths
     * @param narBytes the sum of their FileSize (the compressed NARs; a NAR two paths share counts twice)
     * @param lastPush when a publish last made a path published; null if none has
     */
    record Usage(long paths, long narBytes, Instant lastPush) {
        public static final Usage NONE = new Usage(0, 0, null);
    }
}
