package dev.nixfront.cache.port;

import java.io.IOException;

/** The object store has no object under the key (S3 NoSuchKey / 404). */
public final class NoSuchObjectException extends IOException {
    private static final long serialVersionUID = 1L;

    public NoSuchObjectException(String key) {
        super("no object at " + key);
    }
}
