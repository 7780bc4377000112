package dev.nixfront.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.nixfront.api.InvalidJsonException;
import dev.nixfront.api.Json;
import dev.nixfront.cache.Services;
import dev.nixfront.cache.VerifyService;
import dev.nixfront.cache.port.VerifyJob;
import dev.nixfront.cache.port.VerificationQueue;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The asynchronous verifier, invoked with a {@link VerifyJob} as its event
 * ({@code {"cache":"team","storeHashes":["0123456789abcdfghijklmnpqrsvwxyz"]}}: the paths' info is in
 * their index records, so the event stays small). Each path's outcome is one log line, {@code absent}
 * for a hash the index has no record of. Bad uploads end as rejected paths with a reason; only
 * backend failures throw, so that Lambda retries the (idempotent) job and finally sends it to the
 * failure destination. A run stops starting paths before the function's 15 minutes are up and
 * invokes the function again with the rest of the job (see {@code VerifyService}).
 */
public final class VerifyHandler implements RequestHandler<Map<String, Object>, Void> {
    private final Services services;
    private final Function<Context, VerificationQueue> handOff;

    /** Lambda's entry: services from the AWS adapters, built once per container; the rest of a job goes to this function again. */
    public VerifyHandler() {
        this(Wiring.services(), Wiring::invokedFunction);
        Wiring.registerPriming(this);
    }

    /** Any wiring: the local stack's adapters, or fakes in tests; the rest of a job goes to the services' queue. */
    public VerifyHandler(Services services) {
        this(services, null);
    }

    /**
     * @param handOff where a run that is out of time sends the rest of its job, given the invocation;
     *                null for the services' own queue
     */
    public VerifyHandler(Services services, Function<Context, VerificationQueue> handOff) {
        this.services = Objects.requireNonNull(services);
        this.handOff = handOff;
    }

    @Override
    public Void handleRequest(Map<String, Object> event, Context context) {
        VerifyJob job;
        try {
            job = Json.convert(event, VerifyJob.class);
        } catch (InvalidJsonException e) {
            // Retrying cannot repair a malformed event: log it and drop it.
            JsonLog.error(context, "dropped a malformed verify job: " + e.getMessage());
            return null;
        }
        List<VerifyService.Outcome> outcomes = handOff == null ? services.verify().run(job)
                : services.verify().run(job, handOff.apply(context));
        for (VerifyService.Outcome outcome : outcomes) {
            System.out.println(Json.write(Map.of("cache", job.cache(), "path", outcome.path(),
                    "state", outcome.state() == null ? "absent" : outcome.state().wire(),
                    "reason", outcome.reason() == null ? "" : outcome.reason())));
        }
        return null;
    }
}
