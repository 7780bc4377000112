package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.CollectionQueue;
import dev.nixfront.cache.port.GcJob;
import java.util.ArrayList;
import java.util.List;

/** Keeps the jobs submitted, for a test to run them as the collect function would. */
public final class RecordingCollectionQueue implements CollectionQueue {
    private final List<GcJob> jobs = new ArrayList<>();
    /** When set, {@link #submit} throws it (Lambda refused the Invoke). */
    public volatile RuntimeException failing;

    @Override
    public synchronized void submit(GcJob job) {
        if (failing != null) {
            throw failing;
        }
        jobs.add(job);
    }

    public synchronized List<GcJob> jobs() {
        return List.copyOf(jobs);
    }

    /** Takes the oldest job out, or null when there is none. */
    public synchronized GcJob poll() {
        return jobs.isEmpty() ? null : jobs.remove(0);
    }
}
