package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.TokenRecord;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.cache.port.Scope;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Who is calling, once the bearer token checked out: the token's id (never its secret) and scope,
 * and what bounds the tokens it makes. Every scope decision about a caller is made here.
 *
 * @param tokenHash the SHA-256 of the caller's token, recorded as the maker of the tokens it makes;
 *                  null for a principal built from a scope alone, which cannot make tokens
 * @param expiresAt the earliest expiry along the token's chain of makers, null if none expires
 * @param depth     how many makers the token has above it: 0 for a root token
 * @param incarnations the cache incarnations the token is bound to ({@link TokenRecord#incarnations})
 */
public record Principal(String tokenId, Scope scope, String tokenHash, Instant expiresAt, int depth,
                        Map<String, String> incarnations) {
    public Principal {
        incarnations = Map.copyOf(Objects.requireNonNull(incarnations, "incarnations"));
        Objects.requireNonNull(tokenId, "tokenId");
        Objects.requireNonNull(scope, "scope");
        if (depth < 0) {
            throw new IllegalArgumentException("depth " + depth);
        }
    }

    /** A scope alone, not tied to a token record: enough for every check, not to make tokens. */
    public Principal(String tokenId, Scope scope) {
        this(tokenId, scope, null, null, 0, Map.of());
    }

    /** A token bound to no incarnation. */
    public Principal(String tokenId, Scope scope, String tokenHash, Instant expiresAt, int depth) {
        this(tokenId, scope, tokenHash, expiresAt, depth, Map.of());
    }

    /**
     * Throws 403 unless the token was made for this incarnation of {@code cache}: a token made for a
     * cache that was deleted is good for no later cache of the same name. {@code *} tokens are bound
     * to no incarnation; a token of a named cache without a binding is older than incarnations and
     * good only for a cache that is too ({@link CacheRecord#LEGACY_INCARNATION}).
     */
    public void requireIncarnation(CacheRecord cache) {
        if (scope.allCaches()) {
            return;
        }
        String bound = incarnations.getOrDefault(cache.name().value(), CacheRecord.LEGACY_INCARNATION);
        if (!bound.equals(cache.incarnation())) {
            throw DomainException.forbidden("cache", "token " + tokenId + " was made for an earlier cache named "
                    + cache.name() + ", which was deleted; it is not valid for the cache of that name created at "
                    + cache.createdAt());
        }
    }

    /** Throws 403 unless the token allows {@code needed} on {@code cache}. */
    public void require(CacheName cache, Permission needed) {
        if (!scope.covers(cache)) {
            throw DomainException.forbidden("cache", "token " + tokenId + " is not valid for cache " + cache);
        }
        if (!scope.grants(needed)) {
            throw DomainException.forbidden("cache", "token " + tokenId + " lacks the " + needed.wire()
                    + " permission on cache " + cache + " (it has " + String.join(", ", scope.permissionList()) + ")");
        }
    }

    /** Throws 403 unless the token allows {@code needed} on every cache ({@code "*"}). */
    public void requireEverywhere(Permission needed) {
        if (!scope.allowsEverywhere(needed)) {
            throw DomainException.forbidden(null, "token " + tokenId + " needs the " + needed.wire()
                    + " permission on all caches ('*') for this");
        }
    }

    /**
     * Throws 403 unless this token may make a token of scope {@code child}: admin on every cache it
     * names (on {@code *} for {@code *}), so the child stays within the maker's caches and
     * permissions (admin includes write and read).
     */
    public void requireCanGrant(Scope child) {
        if (child.allCaches()) {
            requireEverywhere(Permission.ADMIN);
        } else {
            for (CacheName cache : child.caches()) {
                require(cache, Permission.ADMIN);
            }
        }
        if (!scope.includes(child)) {
            // Implied by admin on each cache today; kept so a new permission cannot slip past it.
            throw DomainException.forbidden("permissions", "token " + tokenId + " cannot grant "
                    + String.join(", ", child.permissionList()) + " on " + String.join(", ", child.cacheList()));
        }
    }

    /** Throws 403 unless the token is an admin of some cache: the least that token management needs. */
    public void requireAdminOfSomeCache(String toDo) {
        if (!scope.grants(Permission.ADMIN)) {
            throw DomainException.forbidden(null, "token " + tokenId + " needs the admin permission on a cache to " + toDo);
        }
    }

    /**
     * Whether the token administers every cache {@code other} reaches: a cache's admin manages the
     * tokens of its caches and nothing that reaches beyond them ({@code *} only by a {@code *} admin).
     */
    public boolean administers(Scope other) {
        return scope.grants(Permission.ADMIN) && scope.coversAll(other);
    }
}
