package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.cache.port.Scope;
import java.util.Objects;

/** Who is calling, once the bearer token checked out: the token's id (never its secret) and scope. */
public record Principal(String tokenId, Scope scope) {
    public Principal {
        Objects.requireNonNull(tokenId, "tokenId");
        Objects.requireNonNull(scope, "scope");
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
}
