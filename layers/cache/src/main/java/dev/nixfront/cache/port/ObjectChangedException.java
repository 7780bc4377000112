package dev.nixfront.cache.port;

import java.io.IOException;

/**
 * A conditional read found the object with another ETag than the one asked for (S3: 412
 * PreconditionFailed on {@code If-Match}): it was replaced since it was looked at. Nothing was
 * read; the caller looks again.
 */
public final class ObjectChangedException extends IOException {
    private static final long serialVersionUID = 1L;

    public ObjectChangedException(String key, String etag) {
        super(key + " no longer has ETag " + etag);
    }
}
