package dev.nixfront.api;

import java.time.Instant;
import java.util.List;

/** Upload targets in request order; every URL in it expires at {@code expiresAt} (at most 15 minutes away). */
public record UploadResponse(List<UploadTarget> uploads, Instant expiresAt) {
    public UploadResponse {
        uploads = Lists.copy(uploads);
    }
}
