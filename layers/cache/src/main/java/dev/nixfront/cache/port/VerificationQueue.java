package dev.nixfront.cache.port;

/**
 * Hands paths too big for inline verification to a worker: a Lambda async Invoke of the verify
 * function in AWS (JSON of {@link VerifyJob} via {@code dev.nixfront.api.Json}, store hashes only,
 * to fit its 256 KB payload limit), an executor locally. Delivery is at least once; verification is idempotent.
 */
public interface VerificationQueue {
    void submit(VerifyJob job);
}
