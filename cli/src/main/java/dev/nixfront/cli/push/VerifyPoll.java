package dev.nixfront.cli.push;

import dev.nixfront.api.PathStatus;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.client.NixfrontClient;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Waits for a path the server verifies asynchronously to leave {@code verifying}: reads its status,
 * 50 ms apart at first and at most 2 s apart, until {@code deadline} (the server's own verify
 * deadline is an hour). Push and import wait the same way.
 */
public final class VerifyPoll {
    /** How long a client waits for a verification at most: the server gives one up after an hour. */
    public static final Duration DEADLINE = Duration.ofHours(1);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(2);

    private VerifyPoll() {}

    /** The path's status once it is no longer verifying; an IOException past {@code deadline}. */
    public static PathStatus settled(NixfrontClient client, String cache, String storeHash, Instant deadline, Clock clock)
            throws IOException, InterruptedException, ApiException {
        long pause = 50;
        while (true) {
            PathStatus status = client.pathStatus(cache, storeHash);
            if (!"verifying".equals(status.state())) {
                return status;
            }
            if (clock.instant().isAfter(deadline)) {
                throw new IOException("the cache is still verifying " + storeHash + " after " + DEADLINE);
            }
            Thread.sleep(pause);
            pause = Math.min(MAX_PAUSE.toMillis(), pause * 2);
        }
    }
}
