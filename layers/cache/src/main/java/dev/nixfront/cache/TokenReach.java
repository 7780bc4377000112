package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.cache.port.TokenRecord;
import java.util.HashMap;
import java.util.Map;

/**
 * Which tokens a caller may list and revoke, for one answer: names alone are not enough, since a
 * cache may have been deleted and created again, and its earlier admin must manage nothing of its
 * successor. Each cache's live incarnation is looked up once per answer.
 */
final class TokenReach {
    private final CacheRepository caches;
    private final Map<CacheName, String> current = new HashMap<>();

    TokenReach(CacheRepository caches) {
        this.caches = caches;
    }

    /**
     * Whether {@code principal} manages {@code token}: a {@code *} admin every token; a cache's admin
     * the tokens whose caches it all administers, and only of the incarnation it is itself bound
     * to and which is live: the admin of a deleted cache manages nothing of its successor.
     */
    boolean manages(Principal principal, TokenRecord token) {
        if (principal.scope().allowsEverywhere(Permission.ADMIN)) {
            return true;
        }
        if (!principal.administers(token.scope())) {
            return false;
        }
        for (CacheName cache : token.scope().caches()) {
            String bound = principal.incarnations().getOrDefault(cache.value(), CacheRecord.LEGACY_INCARNATION);
            if (!bound.equals(incarnation(cache)) || !boundTo(token, cache)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the token is good for the live cache of this name: {@code *}, or bound to its incarnation. */
    boolean boundTo(TokenRecord token, CacheName cache) {
        return token.scope().allCaches() || token.incarnations().getOrDefault(cache.value(), CacheRecord.LEGACY_INCARNATION)
                .equals(incarnation(cache));
    }

    /** The live incarnation of the cache, looked up once per answer; null when there is no live cache. */
    private String incarnation(CacheName cache) {
        return current.computeIfAbsent(cache, name -> caches.get(name).filter(CacheRecord::live)
                .map(CacheRecord::incarnation).orElse(null));
    }
}
