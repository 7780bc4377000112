package dev.nixfront.cache.port;

import dev.nixfront.api.PathInfo;
import java.util.List;
import java.util.Objects;

/**
 * Paths of one publish batch that are verified asynchronously, in this order: references before
 * referrers, so a referrer never becomes readable before a reference in the same job. JSON:
 * {@code {"cache":"team","paths":[{"storePath":"/nix/store/...", ...}]}}.
 */
public record VerifyJob(String cache, List<PathInfo> paths) {
    public VerifyJob {
        Objects.requireNonNull(cache, "cache");
        paths = List.copyOf(paths);
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("a verify job has at least one path");
        }
    }
}
