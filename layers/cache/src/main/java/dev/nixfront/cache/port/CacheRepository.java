package dev.nixfront.cache.port;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where caches are recorded. DynamoDB item {@code pk=CACHE#<name> sk=CACHE}, listed through
 * {@code gsi1pk=CACHES}. A deleted cache stays as a tombstone ({@link CacheRecord#deletedAt}) until
 * its name is taken again.
 */
public interface CacheRepository {
    /**
     * Creates the cache unless an item of that name exists (conditional write), or replaces a
     * tombstone whose deletion began at {@code replacing} (conditional on exactly that tombstone, so
     * two creators of a freed name have one winner); false if the condition failed.
     *
     * @param replacing the {@code deletedAt} of the tombstone this creation replaces, or null for a new name
     */
    boolean create(CacheRecord cache, Instant replacing);

    /** The cache item of this name, live or tombstone (a consistent read). */
    Optional<CacheRecord> get(CacheName name);

    /** Every cache item, tombstones included, sorted by name (a query of the listing index, never a scan). */
    List<CacheRecord> list();

    /**
     * Marks the live cache of this incarnation deleted at {@code at} (conditional on it being that
     * incarnation and live); false if it was not (already marked, re-created, or gone).
     */
    boolean markDeleted(CacheName name, String incarnation, Instant at);

    /**
     * Sets whether the cache is private and its priority, conditional on the item still being
     * {@code current} as read: live, of its incarnation, with its visibility and priority. False,
     * changing nothing, if it is not (deleted, created again, or updated meanwhile: a caller that
     * wrote back what it read would undo a concurrent change, e.g. make a cache public again).
     */
    boolean update(CacheRecord current, boolean privateCache, int priority);

    /**
     * Sets the cache's garbage collection policy if the item is still the live incarnation of
     * {@code current} with the policy {@code current} has (so two updates at once cannot undo each
     * other); false, changing nothing, otherwise.
     */
    boolean updateGc(CacheRecord current, GcPolicy policy);

    /**
     * Sets the cache's upstreams if the item is still the live incarnation of {@code current} with
     * the upstreams {@code current} has; false, changing nothing, otherwise.
     */
    boolean updateUpstreams(CacheRecord current, List<UpstreamCache> upstreams);

    /** Removes the cache item; no error if it is already gone. Used to undo a creation that failed halfway. */
    void delete(CacheName name);
}
