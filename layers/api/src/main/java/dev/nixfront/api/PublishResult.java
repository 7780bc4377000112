package dev.nixfront.api;

/**
 * @param state {@code published} (readable now) or {@code verifying} (queued; poll
 *              {@code GET /v1/caches/{cache}/paths/{hash}} before publishing referrers in a later batch)
 */
public record PublishResult(String storePath, String state) {
}
