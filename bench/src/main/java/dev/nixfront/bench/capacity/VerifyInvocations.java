package dev.nixfront.bench.capacity;

import dev.nixfront.cache.CacheSettings;
import dev.nixfront.cache.VerifyService;
import dev.nixfront.cache.fake.RecordingQueue;
import dev.nixfront.cache.port.VerificationQueue;
import dev.nixfront.cache.port.VerifyJob;
import java.util.List;
import java.util.Objects;

/**
 * The verify function as {@code LambdaVerificationQueue} reaches it: an asynchronous Invoke (one
 * request of the invoke latency), after which the job runs as an execution of its own, a Lambda
 * invocation beside the clients, with no limit on how many run at once. Its continuation jobs come
 * back through here, as they do through the function's own alias.
 */
final class VerifyInvocations implements VerificationQueue {
    private final RecordingQueue jobs;
    private final Meter meter;
    private final Scheduler scheduler;
    private final long latency;
    private volatile VerifyService verify;

    VerifyInvocations(RecordingQueue jobs, Meter meter, Scheduler scheduler, long latencyNanos) {
        this.jobs = jobs;
        this.meter = meter;
        this.scheduler = scheduler;
        this.latency = latencyNanos;
    }

    /** The service the invocations run: built from ports that include this queue, so it comes after. */
    void serve(VerifyService service) {
        this.verify = Objects.requireNonNull(service);
    }

    @Override
    public void submit(VerifyJob job) {
        VerifyService service = Objects.requireNonNull(verify, "serve() was not called");
        meter.turn();
        jobs.submit(job);
        long invoked = meter.finish(new Request(Request.Service.LAMBDA, "Invoke verify (async)", latency, List.of()));
        scheduler.spawn("verify", invoked, () -> {
            long start = scheduler.now();
            service.run(job);
            meter.invoked("verify", scheduler.now() - start, CacheSettings.VERIFY_FUNCTION_TIMEOUT);
        });
    }
}
