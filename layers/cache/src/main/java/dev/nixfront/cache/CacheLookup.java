package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.Permission;
import java.util.Objects;

/**
 * Resolves the {@code {cache}} of a route: a valid name (400), in the token's scope (403, checked
 * before existence so a token learns nothing about caches outside its scope), existing and live
 * (404; a deleted cache's tombstone is no cache), and the incarnation the token was made for (403).
 */
final class CacheLookup {
    private final CacheRepository caches;

    CacheLookup(CacheRepository caches) {
        this.caches = Objects.requireNonNull(caches);
    }

    static CacheName name(String raw, String field) {
        String problem = CacheName.problem(raw);
        if (problem != null) {
            throw DomainException.invalid(field, problem);
        }
        return new CacheName(raw);
    }

    CacheRecord require(Principal principal, String rawName, Permission needed) {
        CacheName name = name(rawName, "cache");
        principal.require(name, needed);
        CacheRecord cache = caches.get(name).filter(CacheRecord::live)
                .orElseThrow(() -> DomainException.notFound("cache", "no cache named " + name));
        principal.requireIncarnation(cache);
        return cache;
    }
}
