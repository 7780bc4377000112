package dev.nixfront.api;

import java.time.Instant;
import java.util.List;

/**
 * A token as listed: everything but the secret.
 *
 * @param createdBy the id of the token that made this one; absent for the bootstrap token and for
 *                  tokens made before makers were recorded
 * @param expiresAt absent for a token that does not expire; never later than its maker's
 */
public record TokenInfo(String id, String description, List<String> caches, List<String> permissions,
                        Instant createdAt, String createdBy, Instant expiresAt, Instant revokedAt) {
    public TokenInfo {
        caches = Lists.copy(caches);
        permissions = Lists.copy(permissions);
    }
}
