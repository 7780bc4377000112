package dev.nixfront.api;

import java.time.Instant;
import java.util.List;

public record PartsResponse(List<PartUrl> parts, Instant expiresAt) {
    public PartsResponse {
        parts = Lists.copy(parts);
    }
}
