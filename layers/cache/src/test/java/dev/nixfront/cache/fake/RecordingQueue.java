package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.VerificationQueue;
import dev.nixfront.cache.port.VerifyJob;
import java.util.ArrayList;
import java.util.List;

public final class RecordingQueue implements VerificationQueue {
    private final List<VerifyJob> jobs = new ArrayList<>();

    @Override
    public synchronized void submit(VerifyJob job) {
        jobs.add(job);
    }

    public synchronized List<VerifyJob> jobs() {
        return List.copyOf(jobs);
    }
}
