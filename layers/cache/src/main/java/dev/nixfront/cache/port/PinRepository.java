package dev.nixfront.cache.port;

import java.util.List;
import java.util.Optional;

/**
 * Pins: named roots that garbage collection always keeps, whatever the cache's retention, with the
 * last few store paths pinned under each name. One item per pin, written with a condition on what
 * was read (optimistic concurrency), so two pins of the same name at once both land, in some order.
 */
public interface PinRepository {
    /** Every pin of the cache's incarnation, in name order. */
    List<PinRecord> list(CacheRecord cache);

    /**
     * One page of {@link #list(CacheRecord)}: at most {@code limit} pins whose names come after
     * {@code after} (null: from the first), in name order. The API answers in pages, so that an
     * answer stays far below Lambda's 6 MB however many pins a cache has.
     */
    List<PinRecord> list(CacheRecord cache, String after, int limit);

    /** The pin of this name, if there is one. */
    Optional<PinRecord> get(CacheRecord cache, String name);

    /**
     * Writes {@code pin} if the stored pin is still {@code expected} (null: no pin of that name yet).
     * Returns false, changing nothing, when another write got there first.
     */
    boolean put(CacheRecord cache, PinRecord pin, PinRecord expected);

    /** Removes the pin; false if there was none. */
    boolean delete(CacheRecord cache, String name);

    /** Removes every pin of the cache's incarnation: part of deleting the cache. Idempotent. */
    void deleteAll(CacheRecord cache);
}
