package dev.nixfront.cli.watch;

import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.push.PushSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The pending paths and what to do with them: wait for a burst to end, push it, retry what failed
 * for a reason that passes (the network, a restarting server, throttling), report each batch.
 * Thread-safe: the watcher offers paths from its thread, {@link #run} pushes on the caller's.
 */
public final class WatchLoop {
    /** Pushes store paths with their closure. */
    @FunctionalInterface
    public interface BatchPusher {
        PushSummary push(List<String> paths) throws IOException, InterruptedException, ApiException;
    }

    /** Which of these store paths the local store holds as valid. */
    @FunctionalInterface
    public interface Validity {
        List<String> valid(List<String> paths) throws IOException, InterruptedException;
    }

    /** How a batch waits and how failures back off. */
    public record Timing(Duration quiet, Duration maxDelay, Duration firstBackoff, Duration maxBackoff) {
        /** Half a second of quiet ends a burst, at most 5 s after its first path; backoff from 1 s to a minute. */
        public static final Timing DEFAULT = new Timing(Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofSeconds(1),
                Duration.ofMinutes(1));
    }

    /** A store path as a line of a queue file or a name under the store directory: {@code /nix/store/<32 chars>-<name>}. */
    private static final Pattern STORE_PATH = Pattern.compile("/[^\\s]+/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\\-._?=]+");

    private final BatchPusher pusher;
    private final Validity validity;
    private final Timing timing;
    private final Consumer<String> report;
    private final LinkedHashSet<String> pending = new LinkedHashSet<>();
    /** Queue files not yet done, with the paths each still waits for. */
    private final Map<Path, Set<String>> files = new HashMap<>();
    private long lastArrival;
    private long firstArrival;
    private volatile boolean stopped;

    /**
     * @param report one line per batch pushed, dropped or retried
     */
    public WatchLoop(BatchPusher pusher, Validity validity, Timing timing, Consumer<String> report) {
        this.pusher = Objects.requireNonNull(pusher);
        this.validity = Objects.requireNonNull(validity);
        this.timing = Objects.requireNonNull(timing);
        this.report = Objects.requireNonNull(report);
    }

    /** A path that became valid (its lock went away). */
    public synchronized void offer(String storePath) {
        if (STORE_PATH.matcher(storePath).matches()) {
            arrive(List.of(storePath));
        }
    }

    /**
     * A queue file: its paths are pending, and the file is deleted once they are pushed (or dropped
     * as not valid). A file that vanished meanwhile (another watcher took it) is no error. A hook
     * writes the file under a name starting with a dot and renames it, so it is read whole.
     */
    public void offerFile(Path file) {
        List<String> paths;
        try {
            paths = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                    .flatMap(line -> List.of(line.split("\\s+")).stream()).filter(p -> STORE_PATH.matcher(p).matches()).toList();
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (this) {
            if (files.containsKey(file)) {
                return;
            }
            if (paths.isEmpty()) {
                return; // still being written (a hook that does not rename): its next change offers it again
            }
            files.put(file, new HashSet<>(paths));
            arrive(paths);
        }
    }

    private void arrive(List<String> paths) {
        long now = System.nanoTime();
        if (pending.isEmpty()) {
            firstArrival = now;
        }
        lastArrival = now;
        pending.addAll(paths);
        notifyAll();
    }

    /** Ends {@link #run}: a batch being pushed is abandoned (it is pushed again next time: its queue files stay). */
    public synchronized void stop() {
        stopped = true;
        notifyAll();
    }

    /** Pushes batches until {@link #stop} or an interrupt. */
    public void run() throws InterruptedException {
        while (!stopped) {
            List<String> batch = nextBatch();
            if (batch == null) {
                return;
            }
            push(batch);
        }
    }

    /** Waits for a burst to end: {@code quiet} without a new path, or {@code maxDelay} after its first. */
    private synchronized List<String> nextBatch() throws InterruptedException {
        while (!stopped) {
            long now = System.nanoTime();
            if (!pending.isEmpty()) {
                long quietEnds = lastArrival + timing.quiet().toNanos();
                long burstEnds = firstArrival + timing.maxDelay().toNanos();
                long wait = Math.min(quietEnds, burstEnds) - now;
                if (wait <= 0) {
                    List<String> batch = new ArrayList<>(pending);
                    pending.clear();
                    return batch;
                }
                wait(Math.max(1, wait / 1_000_000));
            } else {
                wait();
            }
        }
        return null;
    }

    private void push(List<String> batch) throws InterruptedException {
        Duration backoff = timing.firstBackoff();
        while (!stopped) {
            try {
                List<String> valid = validity.valid(batch);
                if (valid.size() < batch.size()) {
                    report.accept("skipped " + (batch.size() - valid.size()) + " paths that are not valid in the local store");
                }
                if (!valid.isEmpty()) {
                    report.accept(pusher.push(valid).describe());
                }
                done(batch);
                return;
            } catch (ApiException e) {
                if (e.status() != 429 && e.status() < 500) {
                    // Refused for what the batch is (forbidden, a reference the cache lacks): trying
                    // again cannot change that. Its queue files go, so that one bad build does not
                    // stop every later one.
                    report.accept("gave up on " + batch.size() + " paths: " + e.getMessage());
                    done(batch);
                    return;
                }
                report.accept("will retry " + batch.size() + " paths in " + backoff.toSeconds() + " s: " + e.getMessage());
            } catch (IOException e) {
                report.accept("will retry " + batch.size() + " paths in " + backoff.toSeconds() + " s: " + e.getMessage());
            }
            synchronized (this) {
                long until = System.nanoTime() + backoff.toNanos();
                for (long left = backoff.toMillis(); left > 0 && !stopped; left = (until - System.nanoTime()) / 1_000_000) {
                    wait(left);
                }
            }
            backoff = backoff.multipliedBy(2).compareTo(timing.maxBackoff()) > 0 ? timing.maxBackoff() : backoff.multipliedBy(2);
        }
        synchronized (this) {
            // Stopped: what was not pushed waits in its queue files for the next start.
            pending.addAll(batch);
        }
    }

    private synchronized void done(List<String> batch) {
        Set<String> pushed = Set.copyOf(batch);
        files.entrySet().removeIf(e -> {
            e.getValue().removeAll(pushed);
            if (e.getValue().isEmpty()) {
                delete(e.getKey());
                return true;
            }
            return false;
        });
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether nothing waits (for tests and the final report). */
    public synchronized boolean idle() {
        return pending.isEmpty() && files.isEmpty();
    }
}
