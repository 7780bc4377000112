package dev.nixfront.cache.port;

import java.util.Objects;

/** One uploaded part of a multipart upload, as the client reports it for completion. */
public record CompletedPart(int partNumber, String etag) {
    public CompletedPart {
        Objects.requireNonNull(etag, "etag");
        if (partNumber < 1 || partNumber > 10_000) {
            throw new IllegalArgumentException("part numbers run from 1 to 10000");
        }
    }
}
