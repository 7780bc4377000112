package dev.nixfront.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * A cache as the API shows it; never its secret key.
 * {@code {"name":"team","publicKey":"team-1:rAWT...=","substituter":"https://d1.cloudfront.net/team","priority":40,"private":false,"createdAt":"2026-11-25T17:00:00Z",
 * "retention":"30d","narGrace":"7d","upstreams":[{"url":"https://cache.nixos.org","publicKey":"cache.nixos.org-1:6NCH...="}],"usage":{"paths":1234,"narBytes":987654321,"lastPush":"2026-11-26T09:00:00Z"}}}
 *
 * @param substituter the URL to put in nix.conf {@code extra-substituters}
 * @param retention   how long pushed roots keep their closures ({@code 30d}), or {@code forever}
 * @param maxSize     the most NAR bytes garbage collection keeps; null for no limit
 * @param narGrace    how long a NAR outlives its last narinfo ({@code 30d})
 * @param upstreams   the caches whose signed paths this one need not hold, in order ({@link Upstream})
 * @param usage       what the cache holds: in the answer of {@code GET /v1/caches/{cache}} only (it
 *                    costs a read of the counters), left out elsewhere
 */
public record CacheInfo(String name, String publicKey, String substituter, int priority,
                        @JsonProperty("private") boolean privateCache, Instant createdAt, String retention, Long maxSize,
                        String narGrace, List<Upstream> upstreams, CacheUsage usage) {
    /** The value of {@code retention} that means no garbage collection by age. */
    public static final String FOREVER = "forever";

    /** A cache that keeps everything, with the default grace, without usage. */
    public CacheInfo(String name, String publicKey, String substituter, int priority, boolean privateCache, Instant createdAt) {
        this(name, publicKey, substituter, priority, privateCache, createdAt, FOREVER, null, "30d", List.of(), null);
    }

    public CacheInfo withUsage(CacheUsage counted) {
        return new CacheInfo(name, publicKey, substituter, priority, privateCache, createdAt, retention, maxSize, narGrace, upstreams, counted);
    }
}
