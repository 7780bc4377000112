package dev.nixfront.api;

import java.time.Instant;
import java.util.List;

/** Log upload targets in request order; every URL in it expires at {@code expiresAt}. */
public record LogUploadResponse(List<LogUploadTarget> logs, Instant expiresAt) {
    public LogUploadResponse {
        logs = Lists.copy(logs);
    }
}
