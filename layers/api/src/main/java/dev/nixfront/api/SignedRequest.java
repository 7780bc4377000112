package dev.nixfront.api;

import java.util.Map;

/**
 * A presigned request: send {@code PUT url} with exactly these headers (they are signed; e.g.
 * {@code Content-Length}, {@code x-amz-checksum-sha256}, {@code Content-Type}).
 */
public record SignedRequest(String method, String url, Map<String, String> headers) {
    public SignedRequest {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}
