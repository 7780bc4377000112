package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.EdgeCache;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Records the caches invalidated, in order; a test may set {@link #before} to look at the other
 * fakes at the moment of the invalidation, or to make it fail.
 */
public final class RecordingEdgeCache implements EdgeCache {
    private final List<CacheRecord> invalidated = new ArrayList<>();
    /** Runs first on every invalidation; what it throws fails the invalidation, which is then not recorded. */
    public volatile Consumer<CacheRecord> before = cache -> { };

    @Override
    public void invalidate(CacheRecord cache) {
        before.accept(cache);
        synchronized (this) {
            invalidated.add(cache);
        }
    }

    public synchronized List<CacheRecord> invalidated() {
        return List.copyOf(invalidated);
    }
}
