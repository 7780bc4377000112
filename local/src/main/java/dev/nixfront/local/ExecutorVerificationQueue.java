package dev.nixfront.local;

import dev.nixfront.cache.port.VerificationQueue;
import dev.nixfront.cache.port.VerifyJob;
import dev.nixfront.functions.JsonLog;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The local stand-in for the Lambda async invoke of the verify function: jobs run on a small
 * thread pool, in the background of the publish request that queued them, as in AWS. A job that
 * fails is logged and leaves its paths {@code verifying} (the Lambda would retry twice; here the
 * client publishing again re-queues it).
 */
final class ExecutorVerificationQueue implements VerificationQueue, AutoCloseable {
    private final ExecutorService executor;
    private volatile Consumer<VerifyJob> worker;

    ExecutorVerificationQueue(int threads) {
        this.executor = Executors.newFixedThreadPool(threads, Thread.ofPlatform().daemon().name("nixfront-verify-", 0).factory());
    }

    /** Set once the verify function exists: it needs the services that need this queue. */
    void bind(Consumer<VerifyJob> verify) {
        this.worker = Objects.requireNonNull(verify);
    }

    @Override
    public void submit(VerifyJob job) {
        Consumer<VerifyJob> target = worker;
        if (target == null) {
            throw new IllegalStateException("the verify function is not bound yet");
        }
        executor.execute(() -> {
            try {
                target.accept(job);
            } catch (RuntimeException e) {
                JsonLog.error(null, "verification of " + job.storeHashes().size() + " path(s) in " + job.cache() + " failed", e);
            }
        });
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
