package dev.nixfront.aws;

import dev.nixfront.cache.port.VerificationQueue;
import dev.nixfront.cache.port.VerifyJob;
import java.util.Objects;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * Hands a verify job to the verify function with an asynchronous Invoke ({@code InvocationType:
 * Event}): Lambda queues the event, answers 202 at once, and retries a failed run twice, so the
 * publish request never waits for a large NAR. The payload is the job's JSON, e.g.
 * {@code {"cache":"team","storeHashes":["0123456789abcdfghijklmnpqrsvwxyz"]}}: store hashes only,
 * at most 200, so it stays far below Lambda's 256 KB async payload limit.
 */
public final class LambdaVerificationQueue implements VerificationQueue {
    private final LambdaClient lambda;
    private final String functionName;

    /**
     * @param functionName name or ARN of the verify function
     */
    public LambdaVerificationQueue(LambdaClient lambda, String functionName) {
        this.lambda = Objects.requireNonNull(lambda, "lambda");
        this.functionName = Objects.requireNonNull(functionName, "functionName");
    }

    @Override
    public void submit(VerifyJob job) {
        LambdaEvents.invokeAsync(lambda, functionName, job, "verify job");
    }
}
