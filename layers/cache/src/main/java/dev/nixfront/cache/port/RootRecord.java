package dev.nixfront.cache.port;

import dev.nixfront.nix.StorePath;
import java.time.Instant;
import java.util.Objects;

/**
 * A root a push reported: a store path named on its command line, and when a push last named it.
 *
 * @param path     the store path, published in the cache when it was recorded
 * @param pushedAt the last time a push reported it
 */
public record RootRecord(StorePath path, Instant pushedAt) {
    public RootRecord {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(pushedAt, "pushedAt");
    }
}
