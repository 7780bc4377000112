package dev.nixfront.api;

import java.util.List;

/**
 * The body of both log routes, 1 to {@value #MAX} logs of distinct paths whose {@code size}s add up
 * to at most {@value #MAX_BYTES} bytes: {@code POST /v1/caches/{cache}/logs/uploads} answers where to
 * upload each ({@link LogUploadResponse}); {@code POST /v1/caches/{cache}/logs}, once they are
 * uploaded, verifies and stores them ({@link LogsResponse}).
 */
public record LogsRequest(@Required List<BuildLog> logs) {
    public static final int MAX = 100;
    /**
     * The most log text one request may carry: publish decompresses every byte of it within API
     * Gateway's 30 s (zstd decodes at several hundred MB/s), and a single log this large already
     * exceeds what any build worth reading prints.
     */
    public static final long MAX_BYTES = 256L * 1024 * 1024;

    public LogsRequest {
        logs = Lists.copy(logs);
    }
}
