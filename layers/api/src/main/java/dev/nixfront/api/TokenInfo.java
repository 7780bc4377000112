package dev.nixfront.api;

import java.time.Instant;
import java.util.List;

/** A token as listed: everything but the secret. */
public record TokenInfo(String id, String description, List<String> caches, List<String> permissions,
                        Instant createdAt, Instant expiresAt, Instant revokedAt) {
    public TokenInfo {
        caches = Lists.copy(caches);
        permissions = Lists.copy(permissions);
    }
}
