package dev.nixfront.aws;

import dev.nixfront.api.Json;
import dev.nixfront.cache.port.CollectionQueue;
import dev.nixfront.cache.port.GcJob;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * Asynchronous Invokes ({@code InvocationType: Event}): Lambda queues the event, answers 202 at
 * once, and retries a failed run twice. Jobs travel as their JSON, which must stay below Lambda's
 * 256 KB async payload limit (each job type says how it does).
 */
public final class LambdaEvents {
    private static final int ACCEPTED = 202;

    private LambdaEvents() {}

    /** Queues {@code event} (as JSON) for {@code function} (a name or ARN); {@code what} names it in an error. */
    static void invokeAsync(LambdaClient lambda, String function, Object event, String what) {
        SdkBytes payload = SdkBytes.fromByteArray(Json.writeBytes(event));
        InvokeResponse response = lambda.invoke(b -> b.functionName(function)
                .invocationType(InvocationType.EVENT)
                .payload(payload));
        if (response.statusCode() == null || response.statusCode() != ACCEPTED) {
            throw new IllegalStateException("Lambda did not queue the " + what + " for " + function
                    + ": status " + response.statusCode()
                    + (response.functionError() == null ? "" : ", " + response.functionError()));
        }
    }

    /** Collection jobs for the collect function, e.g. {@code {"cache":"team","incarnation":"3f9a0c1d2b4e5f60","run":"5d1c9a0e7b3f2a14",...}}. */
    public static CollectionQueue collections(LambdaClient lambda, String function) {
        return (GcJob job) -> invokeAsync(lambda, function, job, "collection job");
    }
}
