package dev.nixfront.cache.port;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A request the client may make without credentials until {@code expiresAt}. {@code headers} are
 * signed into the URL: the client must send each of them with exactly this value (e.g.
 * {@code Content-Length: 123}, {@code x-amz-checksum-sha256: <base64>}), or S3 refuses the request.
 */
public record PresignedRequest(String method, URI url, Map<String, String> headers, Instant expiresAt) {
    public PresignedRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(expiresAt, "expiresAt");
        headers = Map.copyOf(headers);
    }
}
