package dev.nixfront.cli.push;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with full jitter for transfers that fail on the network or with a 5xx:
 * S3 answers 503 SlowDown under load and expects the client to back off, not to hammer.
 *
 * @param attempts how many tries in all (at least 1)
 * @param base     the first delay's upper bound
 * @param cap      no delay is longer than this
 */
record RetryPolicy(int attempts, Duration base, Duration cap) {
    static final RetryPolicy DEFAULT = new RetryPolicy(6, Duration.ofMillis(200), Duration.ofSeconds(10));

    RetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
    }

    /** The pause before try number {@code attempt + 1}, after {@code attempt} failures (1-based). */
    Duration delayAfter(int attempt) {
        long ceiling = Math.min(cap.toMillis(), base.toMillis() << Math.min(attempt - 1, 20));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1));
    }

    static boolean retryable(int status) {
        return status >= 500 || status == 408 || status == 429;
    }
}
