package dev.nixfront.api;

import java.util.List;

/**
 * A multipart upload for a big NAR. Part {@code n} holds bytes {@code [(n-1)*partSize, min(n*partSize, fileSize))}.
 * {@code parts} holds the first page of presigned part URLs; ask for more with
 * {@code POST .../uploads/parts}. Finish with {@code POST .../uploads/complete}.
 */
public record MultipartUpload(String uploadId, long partSize, int partCount, List<PartUrl> parts) {
    public MultipartUpload {
        parts = Lists.copy(parts);
    }
}
