package dev.nixfront.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Runs blocking SDK calls side by side: one virtual thread each, at most {@code parallelism} at a
 * time, so a listing of 32 index partitions costs about one round trip's latency rather than 32.
 * The SDK's synchronous clients are thread-safe and share one connection pool.
 */
final class Parallel {
    private Parallel() {
    }

    /**
     * The results of {@code tasks}, in their order, once all have finished. The first failure is
     * rethrown as it was (a RuntimeException) or wrapped, once the other tasks have ended (not
     * interrupted: an SDK call cut off mid-request costs a retry, and dynalite takes an aborted
     * connection badly); an interrupt interrupts the tasks still running and waits for them.
     */
    static <T> List<T> all(List<Callable<T>> tasks, int parallelism) {
        if (tasks.size() <= 1) {
            List<T> results = new ArrayList<>();
            for (Callable<T> task : tasks) {
                results.add(call(task));
            }
            return results;
        }
        Semaphore permits = new Semaphore(parallelism);
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(executor.submit(() -> {
                    permits.acquire();
                    try {
                        return task.call();
                    } finally {
                        permits.release();
                    }
                }));
            }
            List<T> results = new ArrayList<>();
            try {
                for (Future<T> future : futures) {
                    results.add(future.get());
                }
            } catch (InterruptedException e) {
                // Interrupts what still runs; the executor's close then waits for it to end.
                executor.shutdownNow();
                throw e;
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for parallel requests", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }

    private static <T> T call(Callable<T> task) {
        try {
            return task.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
