package dev.nixfront.cli.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.ApiError;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.push.PushSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watch loop with a fake pusher: bursts, retries, refusals, queue files, stopping. */
class WatchLoopTest {
    private static final WatchLoop.Timing FAST = new WatchLoop.Timing(Duration.ofMillis(50), Duration.ofMillis(300),
            Duration.ofMillis(10), Duration.ofMillis(40));
    private static final String A = "/nix/store/0c6kzph7l0dcbqmh0kcms1rcb0d1k5xs-a-1.0";
    private static final String B = "/nix/store/9x4vw8j0aq8r1swc4cx1hb2zjsgqq3mh-b-1.0";
    private static final String C = "/nix/store/1ffq3z9w0hfh7y3b8wz8lqzkrqqpxq2l-c-1.0";

    private final List<List<String>> pushed = Collections.synchronizedList(new ArrayList<>());
    private final List<String> reports = Collections.synchronizedList(new ArrayList<>());
    private final List<Object> failures = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch done = new CountDownLatch(1);

    private WatchLoop loop(int batches) {
        CountDownLatch[] remaining = {new CountDownLatch(batches)};
        return new WatchLoop(paths -> {
            if (!failures.isEmpty()) {
                Object failure = failures.removeFirst();
                if (failure instanceof IOException io) {
                    throw io;
                }
                throw (ApiException) failure;
            }
            pushed.add(List.copyOf(paths));
            remaining[0].countDown();
            if (remaining[0].getCount() == 0) {
                done.countDown();
            }
            return new PushSummary("team", paths.size(), 0, 0, paths.size(), 1, 1, 1, "zstd", 0.1, paths.size(), 0);
        }, paths -> paths.stream().filter(p -> !p.contains("-c-")).toList(), FAST, reports::add);
    }

    private static Thread start(WatchLoop loop) {
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                loop.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return t;
    }

    @Test
    void aBurstIsOneBatchAndInvalidPathsAreSkipped() throws Exception {
        WatchLoop loop = loop(1);
        loop.offer(A);
        loop.offer(B);
        loop.offer(C);
        loop.offer("/nix/store/not-a-store-path");
        Thread t = start(loop);

        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        loop.stop();
        t.join(5_000);

        assertThat(pushed).containsExactly(List.of(A, B));
        assertThat(reports).anyMatch(r -> r.contains("skipped 1 paths that are not valid"));
    }

    @Test
    void networkErrorsAndServerRestartsAreRetriedWithBackoffUntilTheBatchIsPushed() throws Exception {
        failures.add(new IOException("cannot reach http://127.0.0.1:1: connection refused"));
        failures.add(new ApiException(503, new ApiError("http_503", null, "Service Unavailable")));
        failures.add(new ApiException(429, new ApiError("too_many", null, "slow down")));
        WatchLoop loop = loop(1);
        loop.offer(A);
        Thread t = start(loop);

        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        loop.stop();
        t.join(5_000);

        assertThat(pushed).containsExactly(List.of(A));
        assertThat(reports.stream().filter(r -> r.startsWith("will retry"))).hasSize(3);
        assertThat(loop.idle()).isTrue();
    }

    @Test
    void aQueueFileGoesOncePushedAndARefusedBatchIsDroppedNotRetried(@TempDir Path queue) throws Exception {
        failures.add(new ApiException(403, new ApiError("forbidden", "cache", "no write permission")));
        Path refused = Files.writeString(queue.resolve("1"), A + "\n");
        Path fine = Files.writeString(queue.resolve("2"), B + " " + C + "\n");
        WatchLoop loop = loop(1);
        loop.offerFile(refused);
        Thread t = start(loop);
        assertThat(waitFor(() -> !Files.exists(refused))).as("a refused batch is given up, its file with it").isTrue();

        loop.offerFile(fine);
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(waitFor(() -> !Files.exists(fine))).isTrue();
        loop.stop();
        t.join(5_000);

        assertThat(pushed).containsExactly(List.of(B));
        assertThat(reports).anyMatch(r -> r.startsWith("gave up on 1 paths") && r.contains("forbidden"));
    }

    @Test
    void stoppingDuringRetriesKeepsTheQueueFileForTheNextStart(@TempDir Path queue) throws Exception {
        for (int i = 0; i < 100; i++) {
            failures.add(new IOException("connection refused"));
        }
        Path file = Files.writeString(queue.resolve("1"), A + "\n");
        WatchLoop loop = loop(1);
        loop.offerFile(file);
        Thread t = start(loop);
        assertThat(waitFor(() -> reports.stream().anyMatch(r -> r.startsWith("will retry")))).isTrue();

        loop.stop();
        t.join(5_000);

        assertThat(t.isAlive()).isFalse();
        assertThat(file).exists();
        assertThat(loop.idle()).isFalse();
        assertThat(pushed).isEmpty();
    }

    private static boolean waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }
}
