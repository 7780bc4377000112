package dev.nixfront.api;

import java.time.Instant;

/**
 * What a cache holds, as its counters have it: {@code {"paths":1234,"narBytes":987654321,"lastPush":"2026-11-26T09:00:00Z"}}.
 *
 * @param paths    published paths
 * @param narBytes the sum of their NAR files' sizes (compressed, as stored; a file two paths share counts twice)
 * @param lastPush when a publish last made a path published; null (left out) if none has
 */
public record CacheUsage(long paths, long narBytes, Instant lastPush) {
}
