package dev.nixfront.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * A cache as the API shows it; never its secret key.
 * {@code {"name":"team","publicKey":"team-1:rAWT...=","substituter":"https://d1.cloudfront.net/team","priority":40,"private":false,"createdAt":"2026-11-25T17:00:00Z"}}
 *
 * @param substituter the URL to put in nix.conf {@code extra-substituters}
 */
public record CacheInfo(String name, String publicKey, String substituter, int priority,
                        @JsonProperty("private") boolean privateCache, Instant createdAt) {
}
