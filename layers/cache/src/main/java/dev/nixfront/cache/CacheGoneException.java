package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheName;

/**
 * The cache a path was being published into was deleted meanwhile (or its name now belongs to
 * another incarnation): the publisher has removed what it wrote, and nothing more may be written
 * for that cache, not even a rejection.
 */
final class CacheGoneException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CacheGoneException(CacheName cache, String path) {
        super("cache " + cache + " was deleted while " + path + " was being published; nothing of it was kept");
    }

    DomainException toDomain() {
        return DomainException.notFound("cache", getMessage());
    }
}
