package dev.nixfront.aws;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import java.time.Instant;

/** Cache records for the adapter tests: what only the keys of a cache's items depend on is fixed. */
final class TestCaches {
    /** When every such cache was created. */
    static final Instant CREATED = Instant.parse("2026-11-25T17:00:00Z");

    private TestCaches() {}

    /** A live cache of this name and incarnation ({@link CacheRecord#LEGACY_INCARNATION} for one older than incarnations). */
    static CacheRecord cache(String name, String incarnation) {
        return new CacheRecord(CacheName.of(name), name + "-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=", new byte[] {1},
                40, false, CREATED, incarnation, null);
    }
}
