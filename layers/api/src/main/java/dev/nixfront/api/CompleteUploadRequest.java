package dev.nixfront.api;

import java.util.List;

/**
 * {@code POST /v1/caches/{cache}/uploads/complete}: every part, with its ETag. The object lands in
 * staging; publish verifies it and only then copies it to {@code nar/}.
 */
public record CompleteUploadRequest(String fileHash, long fileSize, String compression, String uploadId, @Required List<UploadedPart> parts) {
    public CompleteUploadRequest {
        parts = Lists.copy(parts);
    }
}
