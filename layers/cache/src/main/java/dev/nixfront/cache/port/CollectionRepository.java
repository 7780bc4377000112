package dev.nixfront.cache.port;

import dev.nixfront.api.GcStatus;
import java.time.Instant;
import java.util.Optional;

/**
 * One record per cache incarnation: the collection that holds the cache now (a lease, so that two
 * never run at once: each would take the other's marks for its own, and waste the fence), or the
 * last one's outcome, which {@code GET /v1/caches/{cache}/gc} shows. A job extends the lease at the
 * start of every invocation, so a lease outlives its job only when the job died; then it lapses and
 * the next collection takes over what was left (paths left collecting, deleting, NARs doomed).
 */
public interface CollectionRepository {
    /**
     * Takes the lease for {@code run} until {@code expiresAt}, only if no collection holds it: the
     * record is absent, finished, or its lease ended before {@code now}. One conditional write.
     *
     * @return the record in the way (a collection holding the lease), or empty when taken
     */
    Optional<GcStatus> start(CacheRecord cache, String run, Instant now, Instant expiresAt);

    /** Extends {@code run}'s lease; false when it no longer holds it (finished, or taken over). */
    boolean extend(CacheRecord cache, String run, Instant expiresAt);

    /** Records how {@code run} ended (done or failed) and gives the lease up; false when it no longer held it. */
    boolean finish(CacheRecord cache, GcStatus outcome);

    /**
     * The record as it is (strongly consistent), a running one whose lease ended shown as
     * {@link GcStatus#ABANDONED}; empty when no collection ever started.
     */
    Optional<GcStatus> get(CacheRecord cache, Instant now);

    /** Removes the record: part of deleting the cache. Idempotent. */
    void deleteAll(CacheRecord cache);
}
