package dev.nixfront.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code PATCH /v1/caches/{cache}}: {@code {"private":true}}, {@code {"priority":30}},
 * {@code {"retention":"30d","maxSize":50000000000,"narGrace":"7d"}},
 * {@code {"upstreams":[{"url":"https://cache.nixos.org","publicKey":"cache.nixos.org-1:6NCH...="}]}}, or several; what is left out (or
 * null) stays as it is, and at least one must be given. Answered by 200 and the {@link CacheInfo} as
 * it is now.
 *
 * @param privateCache whether reads need a token with read permission; null leaves it
 * @param priority     nix-cache-info Priority, 0 to 10,000; null leaves it
 * @param retention    how long pushed roots keep their closures ({@link Durations}), or {@code forever}
 *                     (no garbage collection); null leaves it
 * @param maxSize      the most NAR bytes garbage collection keeps, 0 for no limit; null leaves it
 * @param narGrace     how long a NAR outlives its last narinfo ({@link Durations}); null leaves it
 * @param upstreams    the upstreams in order, replacing the list ({@code []}: none); null leaves it
 */
public record UpdateCacheRequest(@JsonProperty("private") Boolean privateCache, Integer priority, String retention, Long maxSize,
                                 String narGrace, List<Upstream> upstreams) {
    /** Everything but the upstreams. */
    public UpdateCacheRequest(Boolean privateCache, Integer priority, String retention, Long maxSize, String narGrace) {
        this(privateCache, priority, retention, maxSize, narGrace, null);
    }

    /** Visibility and priority only. */
    public UpdateCacheRequest(Boolean privateCache, Integer priority) {
        this(privateCache, priority, null, null, null, null);
    }
}
