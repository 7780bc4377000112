package dev.nixfront.cache.port;

import dev.nixfront.nix.StorePathHash;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;

/**
 * Who uses each NAR object of a cache, so that a collection deletes an object only when no narinfo
 * of the cache names it, and never while a publish is about to name it. One record per object key
 * ({@code <cache>/nar/<shard>/<FileHash>.nar.zst}), changed by single conditional writes only, which
 * is what orders a publish and a collection that meet on one NAR:
 * <ul>
 * <li>a publish {@link #claim}s the NAR for its path before it writes the narinfo; a claim takes
 *     back any doom and fails while the object is being deleted (the publish then answers 409 and
 *     the client uploads again);</li>
 * <li>a collection {@link #release}s the NAR of each path it removed, {@link #doom}s an object
 *     nothing uses, and deletes it only after {@link #startDeleting}, which holds only for an
 *     object without users doomed long enough ago, and from which no claim succeeds.</li>
 * </ul>
 * NARs published before the registry existed have no record; a collection then judges from the
 * narinfos it read (a record is created by its first claim or doom).
 */
public interface NarRegistry {
    /** A {@code claimedBefore} every claim is before: a publisher taking back its own claim. */
    Instant ANY_CLAIM = Instant.ofEpochMilli(Long.MAX_VALUE);

    /**
     * Records that {@code user}'s narinfo is about to name the object (and when): false, changing
     * nothing, while a collection is deleting it.
     */
    boolean claim(CacheRecord cache, String narKey, StorePathHash user, Instant at);

    /**
     * Forgets {@code user}, whose narinfo is gone, unless the object was claimed at or after
     * {@code claimedBefore}: a publish of the same path may have claimed it again since the caller
     * judged it, and its claim must stand (a later collection drops it if that publish failed).
     */
    void release(CacheRecord cache, String narKey, StorePathHash user, Instant claimedBefore);

    /** The records of these objects; an object without one is absent from the map. */
    Map<String, NarRecord> get(CacheRecord cache, Collection<String> narKeys);

    /** Dooms the object at {@code at} unless it has users, is doomed already, or is being deleted. */
    boolean doom(CacheRecord cache, String narKey, Instant at);

    /**
     * Forgets users that never published (a publish that claimed and then failed), only if no claim
     * on the object is newer than {@code claimedBefore} (one could be in flight).
     */
    boolean dropUsers(CacheRecord cache, String narKey, Collection<StorePathHash> users, Instant claimedBefore);

    /**
     * Starts deleting the object for {@code run}: only if it has no users and was doomed at or before
     * {@code doomedBy}, or is already being deleted for {@code run}. From then on every claim fails.
     */
    boolean startDeleting(CacheRecord cache, String narKey, Instant doomedBy, String run);

    /** The object is gone: removes its record, if it is still being deleted for {@code run}. */
    void finishDeleting(CacheRecord cache, String narKey, String run);

    /** Removes every record of the cache's incarnation (deleting the cache). */
    void deleteAll(CacheRecord cache);
}
