package dev.nixfront.api;

/**
 * {@code GET /v1/caches/{cache}/paths/{hash}}:
 * {@code {"storeHash":"0123456789abcdfghijklmnpqrsvwxyz","state":"rejected","reason":"NarHash: ..."}}.
 *
 * @param state  published, verifying, rejected or absent
 * @param reason why it was rejected; null otherwise
 */
public record PathStatus(String storeHash, String state, String reason) {
}
