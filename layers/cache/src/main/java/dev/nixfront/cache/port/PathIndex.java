package dev.nixfront.cache.port;

import dev.nixfront.nix.StorePathHash;
import java.util.Collection;
import java.util.Map;

/**
 * The per-cache index of store paths: what "missing" answers from and what publish checks
 * references against. DynamoDB item {@code pk=PATH#<cache>#<storeHash> sk=PATH}, also indexed by
 * {@code gsi1pk=PATHS#<cache> gsi1sk=<storeHash>} so a deleted cache's items can be found without a
 * scan.
 */
public interface PathIndex {
    /**
     * The records present among {@code hashes}, any number of them (the adapter batches, e.g. 100
     * keys per BatchGetItem, and retries unprocessed keys). Absent hashes are absent from the map.
     */
    Map<StorePathHash, PathRecord> get(CacheName cache, Collection<StorePathHash> hashes);

    /**
     * Writes the record unless a PUBLISHED record for the same path exists (one conditional write:
     * {@code attribute_not_exists(pk) OR #state <> :published}). Returns false, changing nothing,
     * when a published record is there: published paths are never overwritten.
     */
    boolean putUnlessPublished(CacheName cache, PathRecord record);

    /** Deletes every path item of the cache (query of gsi1, batched deletes). Idempotent. */
    void deleteAll(CacheName cache);
}
