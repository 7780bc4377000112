package dev.nixfront.api;

import java.util.List;

/** {@code GET /v1/caches}: the caches the token may read, sorted by name. */
public record CacheList(List<CacheInfo> caches) {
    public CacheList {
        caches = Lists.copy(caches);
    }
}
