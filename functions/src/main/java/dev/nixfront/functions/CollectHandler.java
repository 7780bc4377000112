package dev.nixfront.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.nixfront.api.GcStatus;
import dev.nixfront.api.InvalidJsonException;
import dev.nixfront.api.Json;
import dev.nixfront.cache.DomainException;
import dev.nixfront.cache.Services;
import dev.nixfront.cache.port.CollectionQueue;
import dev.nixfront.cache.port.GcJob;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Runs garbage collections and removals of paths, which outlast an API request (they wait the
 * collection fence, two minutes, between marking and deleting). Two events:
 * <ul>
 *   <li>a {@link GcJob}, queued by the admin function (or by this one, handing on what did not fit
 *       its 15 minutes): {@code {"cache":"team","incarnation":"3f9a0c1d2b4e5f60","run":"5d1c9a0e7b3f2a14",
 *       "startedAt":"2026-12-01T02:00:00Z"}};</li>
 *   <li>{@code {"schedule":"daily"}} ({@link #DAILY}), from an EventBridge rule once a day: starts a
 *       job for every cache with a retention or a size limit.</li>
 * </ul>
 * A run stops starting writes {@link #MARGIN} before its time is up and hands the rest of the job to
 * its own alias. A refused removal ends the job as failed (the status says why) and is not retried;
 * a backend failure throws, so Lambda retries the job, which goes on from what the index says.
 */
public final class CollectHandler implements RequestHandler<Map<String, Object>, Void> {
    /** The scheduled event's input. */
    public static final Map<String, Object> DAILY = Map.of("schedule", "daily");
    /** What a run keeps for the writes in flight and the hand-off when it stops. */
    static final Duration MARGIN = Duration.ofSeconds(60);

    private final Services services;
    private final Function<Context, CollectionQueue> handOff;
    private final Clock clock;

    /** Lambda's entry: services from the AWS adapters; the rest of a job goes to this function again. */
    public CollectHandler() {
        this(Wiring.services(), Wiring::invokedCollector, Clock.systemUTC());
        Wiring.registerPriming(this);
    }

    /**
     * @param handOff where a run that is out of time sends the rest of its job, and the schedule its
     *                jobs, given the invocation: in Lambda the alias it was invoked through
     */
    public CollectHandler(Services services, Function<Context, CollectionQueue> handOff, Clock clock) {
        this.services = Objects.requireNonNull(services);
        this.handOff = Objects.requireNonNull(handOff);
        this.clock = Objects.requireNonNull(clock);
    }

    @Override
    public Void handleRequest(Map<String, Object> event, Context context) {
        if (DAILY.equals(event)) {
            List<GcStatus> started = services.gc().scheduled(handOff.apply(context));
            started.forEach(s -> log(s, "started by the daily schedule"));
            return null;
        }
        GcJob job;
        try {
            job = Json.convert(event, GcJob.class);
        } catch (InvalidJsonException e) {
            // Retrying cannot repair a malformed event: log it and drop it.
            JsonLog.error(context, "dropped a malformed collection job: " + e.getMessage());
            return null;
        }
        Instant deadline = clock.instant().plusMillis(context.getRemainingTimeInMillis()).minus(MARGIN);
        try {
            log(services.gc().run(job, deadline, handOff.apply(context)), null);
        } catch (DomainException refused) {
            // Recorded as the job's outcome; a retry would be refused the same way.
            JsonLog.error(context, "collection " + job.run() + " of cache " + job.cache() + " refused: " + refused.getMessage());
        }
        return null;
    }

    private static void log(GcStatus status, String note) {
        System.out.println(Json.write(Map.of("cache", status.cache(), "run", status.run(), "state", status.state(),
                "pathsCollected", status.report() == null ? 0 : status.report().pathsCollected(),
                "narsDeleted", status.report() == null ? 0 : status.report().narsDeleted(),
                "note", note == null ? "" : note)));
    }
}
