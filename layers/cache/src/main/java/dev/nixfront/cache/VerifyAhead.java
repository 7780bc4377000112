package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.nix.NarInfo;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Verifies and places the NARs of a batch a few at a time ({@link PathPublisher#verifyAndPlace}),
 * ahead of the writes, and hands them back in the order they were started, for the caller to write
 * one at a time in reference order ({@link PathPublisher#write}). In AWS most of a path's round trips
 * are its verification's (HEADs, the pinned GET, the copy, the delete), so those overlap while the
 * narinfos keep their order. Closing waits for every verification still running: nothing of a batch
 * runs on after its request or job has answered.
 *
 * @param <T> what the caller keeps with each path (its place in the batch)
 */
final class VerifyAhead<T> implements AutoCloseable {
    /**
     * NARs verified at once: enough to keep the writes busy while S3 answers (each verification
     * waits on about seven requests), few enough for a 2,048 MB function's memory (an xz decoder may
     * hold 128 MiB, a zstd one as much off the heap) and its one and a bit vCPUs (zstd and SHA-256
     * are the CPU part).
     */
    static final int VERIFYING = 4;

    /**
     * Paths started and not yet handed back. A verified path waiting for its turn to be written
     * holds no decoder, so it need not hold one of the {@link #VERIFYING} places either: while the
     * writer writes one path, four others are still being verified. (With the window of four
     * counting waiting paths too, every path's writes left a place empty, and at 20 ms a request
     * verification, not the writes, set the pace.)
     */
    static final int AHEAD = 4 * VERIFYING;

    private final PathPublisher publisher;
    private final CacheRecord cache;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    /** Fair, so that paths are verified in the order they were started, which is the order they are written. */
    private final Semaphore verifying = new Semaphore(VERIFYING, true);
    private final Deque<Started<T>> started = new ArrayDeque<>();
    private Duration estimates = Duration.ZERO;

    VerifyAhead(PathPublisher publisher, CacheRecord cache) {
        this.publisher = Objects.requireNonNull(publisher);
        this.cache = Objects.requireNonNull(cache);
    }

    /** A path whose verification was started, with what the caller keeps with it and its estimated cost. */
    record Started<T>(T item, NarInfo info, Duration estimate, Future<PathPublisher.Placed> verification) {
        /** Waits for the verification: the placed path, or the verification's own exception, unwrapped. */
        PathPublisher.Placed placed() throws VerificationFailure {
            try {
                return verification.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while verifying " + info.storePath(), e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof VerificationFailure f) {
                    throw f;
                }
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error error) {
                    throw error;
                }
                throw new IllegalStateException(cause);
            }
        }
    }

    /** Starts verifying {@code info}; {@code estimate} counts until the path is handed back. */
    void start(T item, NarInfo info, Duration estimate) {
        started.add(new Started<>(item, info, estimate, threads.submit(() -> {
            verifying.acquire();
            try {
                return publisher.verifyAndPlace(cache, info);
            } finally {
                verifying.release();
            }
        })));
        estimates = estimates.plus(estimate);
    }

    /** Whether as many paths are ahead as may be: the caller writes the oldest first. */
    boolean full() {
        return started.size() >= AHEAD;
    }

    boolean isEmpty() {
        return started.isEmpty();
    }

    /**
     * The estimated cost of the paths started and not handed back yet, counted as if they ran one
     * after the other: what a time budget must still expect of them.
     */
    Duration pending() {
        return estimates;
    }

    /** The oldest path started, to be written now (its verification may still be running). */
    Started<T> next() {
        Started<T> next = started.removeFirst();
        estimates = estimates.minus(next.estimate());
        return next;
    }

    /**
     * Gives up the paths not handed back (the batch stopped): waits for their verifications and
     * returns what each that succeeded placed, for the caller to confirm or undo with the rest.
     */
    List<PathPublisher.Written> abandon() {
        List<PathPublisher.Written> placed = new ArrayList<>();
        while (!started.isEmpty()) {
            try {
                placed.add(next().placed().unwritten());
            } catch (VerificationFailure | RuntimeException e) {
                // nothing placed: nothing to confirm
            }
        }
        return placed;
    }

    @Override
    public void close() {
        threads.close();
    }
}
