package dev.nixfront.cache.port;

import dev.nixfront.nix.StorePathHash;
import java.util.Collection;
import java.util.List;

/**
 * The roots pushes report: the store paths given on a push's command line, each with the last time
 * a push named it. Garbage collection marks from the roots pushed within a cache's retention (and
 * from pins), so a root record must be cheap to write again on every push, present paths included:
 * one item per root, never a rewrite of the paths of its closure. The records belong to one
 * incarnation of the cache, like its path items.
 */
public interface RootRepository {
    /**
     * Records the roots as pushed at their {@link RootRecord#pushedAt}; a root already recorded keeps
     * the later of the two times.
     */
    void record(CacheRecord cache, Collection<RootRecord> roots);

    /** Every root record of the cache's incarnation (all pages), in no particular order. */
    List<RootRecord> list(CacheRecord cache);

    /** Removes these roots' records; a hash without one is no error. */
    void delete(CacheRecord cache, Collection<StorePathHash> hashes);

    /** Removes every root record of the cache's incarnation: part of deleting the cache. Idempotent. */
    void deleteAll(CacheRecord cache);
}
