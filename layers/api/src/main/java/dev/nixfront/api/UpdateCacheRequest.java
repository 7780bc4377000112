package dev.nixfront.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code PATCH /v1/caches/{cache}}: {@code {"private":true}}, {@code {"priority":30}} or both; what is
 * left out (or null) stays as it is, and at least one must be given. Answered by 200 and the
 * {@link CacheInfo} as it is now.
 *
 * @param privateCache whether reads need a token with read permission; null leaves it
 * @param priority     nix-cache-info Priority, 0 to 10,000; null leaves it
 */
public record UpdateCacheRequest(@JsonProperty("private") Boolean privateCache, Integer priority) {
}
