package dev.nixfront.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * A cache as the API shows it; never its secret key.
 * {@code {"name":"team","publicKey":"team-1:rAWT...=","substituter":"https://d1.cloudfront.net/team","priority":40,"private":false,"createdAt":"2026-11-25T17:00:00Z",
 * "usage":{"paths":1234,"narBytes":987654321,"lastPush":"2026-11-26T09:00:00Z"}}}
 *
 * @param substituter the URL to put in nix.conf {@code extra-substituters}
 * @param usage       what the cache holds: in the answer of {@code GET /v1/caches/{cache}} only (it
 *                    costs a read of the counters), left out elsewhere
 */
public record CacheInfo(String name, String publicKey, String substituter, int priority,
                        @JsonProperty("private") boolean privateCache, Instant createdAt, CacheUsage usage) {

    /** Without usage: listings, creation and updates. */
    public CacheInfo(String name, String publicKey, String substituter, int priority, boolean privateCache, Instant createdAt) {
        this(name, publicKey, substituter, priority, privateCache, createdAt, null);
    }

    public CacheInfo withUsage(CacheUsage counted) {
        return new CacheInfo(name, publicKey, substituter, priority, privateCache, createdAt, counted);
    }
}
