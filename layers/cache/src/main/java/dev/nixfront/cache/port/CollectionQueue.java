package dev.nixfront.cache.port;

/**
 * Runs a {@link GcJob} elsewhere: in AWS an asynchronous Invoke of the collect function (its JSON via
 * {@code dev.nixfront.api.Json}); the job itself uses it to hand on what does not fit its time.
 * Delivery is at least once: a job run twice finds its own marks and goes on from them.
 */
public interface CollectionQueue {
    void submit(GcJob job);

    /**
     * No queue: collections run inline, within the request (the local stack, whose fence fits one);
     * queuing one is a bug.
     */
    CollectionQueue NONE = job -> {
        throw new IllegalStateException("this deployment runs collections inline; none may be queued");
    };
}
