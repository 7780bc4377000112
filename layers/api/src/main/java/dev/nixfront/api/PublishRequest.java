package dev.nixfront.api;

import java.util.List;

/**
 * {@code POST /v1/caches/{cache}/narinfos}: up to {@value #MAX} paths; references must be published
 * already or be in the same request.
 */
public record PublishRequest(@Required List<PathInfo> paths) {
    public static final int MAX = 200;

    public PublishRequest {
        paths = Lists.copy(paths);
    }
}
