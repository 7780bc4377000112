package dev.nixfront.api;

import java.util.List;

/**
 * {@code POST /v1/caches/{cache}/narinfos}: up to {@value #MAX} paths; references must be published
 * already or be in the same request.
 */
public record PublishRequest(@Required List<PathInfo> paths) {
    public static final int MAX = 200;
    /**
     * The most narinfo requests the server makes to a cache's upstreams for one publish request (a
     * reference served by the k-th upstream costs k); a reference past it counts as not served, and
     * the client sizes its batches to stay within it.
     */
    public static final int MAX_UPSTREAM_LOOKUPS = 1_000;

    public PublishRequest {
        paths = Lists.copy(paths);
    }
}
