package dev.nixfront.cache.port;

import dev.nixfront.nix.StorePathHash;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The per-cache index of store paths: what "missing" answers from and what publish checks
 * references against. Its items belong to one incarnation of the cache ({@link
 * CacheRecord#incarnation}), so a cache created again under a deleted one's name starts with an
 * empty index by construction. DynamoDB item {@code pk=PATH#<cache>.<incarnation>#<storeHash>
 * sk=PATH} ({@code PATH#<cache>#<storeHash>} for a cache older than incarnations), also listed,
 * keys only, in one of 32 shards {@code gsi2pk=PATHS#<cache>.<incarnation>#<shard> gsi2sk=<storeHash>}
 * so a deleted cache's items can be found without a scan and without one partition taking every
 * write of the cache.
 */
public interface PathIndex {
    /**
     * The records present among {@code hashes}, any number of them (the adapter batches, e.g. 100
     * keys per BatchGetItem, and retries unprocessed keys). Absent hashes are absent from the map.
     */
    Map<StorePathHash, PathRecord> get(CacheRecord cache, Collection<StorePathHash> hashes);

    /**
     * Writes the record unless a PUBLISHED or DELETING record for the same path exists (one
     * conditional write: {@code attribute_not_exists(pk) OR NOT #state IN (:published, :deleting)}).
     * Returns false, changing nothing, when one is there: published paths are never overwritten, and
     * a path a collection is deleting is not written again until its item is gone. Over a COLLECTING
     * record it writes, which takes the path back from its collection.
     */
    boolean putUnlessPublished(CacheRecord cache, PathRecord record);

    /**
     * Every store hash the cache's incarnation has an item for, whatever its state: the 32 shards of
     * the listing and the listing of before it, keys only (an index read, so an item written a
     * moment ago may be missing; a collection does not take new items anyway).
     */
    List<StorePathHash> listHashes(CacheRecord cache);

    /**
     * Marks a published path as going: {@code published -> collecting} with the collection's
     * {@code run} as its attempt, only if the item is still {@code published} with the very
     * {@code updatedAt} of {@code seen} (not published again since it was judged).
     */
    boolean markCollecting(CacheRecord cache, PathRecord seen, String run);

    /**
     * Takes a path back from its collection: {@code collecting -> published}, keeping its info and
     * time; false when it is not collecting (published already, deleting, gone).
     */
    boolean revive(CacheRecord cache, StorePathHash hash);

    /** {@code collecting -> deleting}, only if the path is still collecting for {@code run}. */
    boolean markDeleting(CacheRecord cache, StorePathHash hash, String run);

    /** Deletes the item only if it is deleting for {@code run}. */
    boolean deleteDeleting(CacheRecord cache, StorePathHash hash, String run);

    /**
     * Records a rejection without undoing another request's work: writes {@code rejected} (a
     * {@link PathState#REJECTED} record) only where there is no item, a rejected one, or still the
     * very verifying record {@code examined} whose verification failed (same attempt). One
     * conditional write: {@code attribute_not_exists(pk) OR #state = :rejected OR (#state =
     * :verifying AND #attempt = :attempt)}. A published record, or a verifying one of another
     * request (another attempt), is kept and the answer is false. Writing the same rejection again
     * (a redelivered job, a retried request) succeeds, since the item is rejected by then.
     *
     * @param examined the verifying record the caller verified, or null when it verified its own
     *                 request's info inline and must leave every verifying record alone
     */
    boolean putRejected(CacheRecord cache, PathRecord rejected, PathRecord examined);

    /** Deletes the path item, whatever its state: a publish undoing what it wrote into a cache deleted meanwhile. */
    void delete(CacheRecord cache, StorePathHash hash);

    /**
     * Deletes every path item of the cache's incarnation (queries of the listing's shards, and of the
     * listing from before it was sharded; batched deletes). Idempotent.
     */
    void deleteAll(CacheRecord cache);

    /**
     * Moves up to {@code limit} of the cache's items from the listing of before sharding (one gsi1
     * partition per cache, every attribute projected) into the sharded one. Idempotent and resumable
     * without a cursor: a moved item is no longer where the next call looks.
     *
     * @return the number of entries this call found there and handled (moved, or found moved or
     *         deleted meanwhile: an index read may lag); 0 once none is left
     */
    int migrateListing(CacheRecord cache, int limit);
}
