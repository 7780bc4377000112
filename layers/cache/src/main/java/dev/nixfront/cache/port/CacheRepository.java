package dev.nixfront.cache.port;

import java.util.List;
import java.util.Optional;

/**
 * Where caches are recorded. DynamoDB item {@code pk=CACHE#<name> sk=CACHE}, listed through
 * {@code gsi1pk=CACHES}.
 */
public interface CacheRepository {
    /** Creates the cache unless one of that name exists (conditional write); false if it existed. */
    boolean create(CacheRecord cache);

    Optional<CacheRecord> get(CacheName name);

    /** Every cache, sorted by name (a query of the listing index, never a scan). */
    List<CacheRecord> list();

    /** Removes the cache item; no error if it is already gone. */
    void delete(CacheName name);
}
