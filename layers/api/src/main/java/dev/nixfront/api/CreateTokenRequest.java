package dev.nixfront.api;

import java.time.Instant;
import java.util.List;

/**
 * {@code POST /v1/tokens}: {@code {"description":"ci","caches":["team"],"permissions":["read","write"],"expiresAt":"2027-01-01T00:00:00Z"}}.
 * {@code "*"} in caches means every cache.
 */
public record CreateTokenRequest(String description, @Required List<String> caches, @Required List<String> permissions,
                                 Instant expiresAt) {
    public CreateTokenRequest {
        caches = Lists.copy(caches);
        permissions = Lists.copy(permissions);
    }
}
