package dev.nixfront.cache.port;

import java.util.Objects;

/**
 * What the object store says about one object.
 *
 * @param etag        the entity tag as the store reports it (quotes included, as S3 sends it); used
 *                    to copy exactly the version that was verified
 * @param contentType may be null if the store has none
 */
public record StoredObject(String key, long size, String etag, String contentType) {
    public StoredObject {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(etag, "etag");
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative");
        }
    }
}
