package dev.nixfront.cache.port;

import java.util.List;

/**
 * A cache's trusts, keyed by its incarnation like its pins: a cache created again under a deleted
 * name starts with none, and deleting a cache sweeps them.
 */
public interface TrustRepository {
    /** No trusts anywhere, and none can be added (ports of functions that never read them). */
    TrustRepository NONE = new TrustRepository() {
        @Override
        public List<TrustRecord> list(CacheRecord cache) {
            return List.of();
        }

        @Override
        public void create(CacheRecord cache, TrustRecord trust) {
            throw new IllegalStateException("this function keeps no trusts");
        }

        @Override
        public boolean delete(CacheRecord cache, String id) {
            return false;
        }

        @Override
        public void deleteAll(CacheRecord cache) {
        }
    };

    /** Every trust of the cache's incarnation in id order, read consistently. */
    List<TrustRecord> list(CacheRecord cache);

    /** Records a new trust (its id is fresh; a collision of 64 random bits is not a case to handle). */
    void create(CacheRecord cache, TrustRecord trust);

    /** Removes the trust; false if there was none. */
    boolean delete(CacheRecord cache, String id);

    /** Removes every trust of the cache's incarnation: part of deleting the cache. Idempotent. */
    void deleteAll(CacheRecord cache);
}
