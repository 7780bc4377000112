package dev.nixfront.aws;

import dev.nixfront.api.Json;
import dev.nixfront.cache.port.VerificationQueue;
import dev.nixfront.cache.port.VerifyJob;
import java.util.Objects;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * Hands a verify job to the verify function with an asynchronous Invoke ({@code InvocationType:
 * Event}): Lambda queues the event, answers 202 at once, and retries a failed run twice, so the
 * publish request never waits for a large NAR. The payload is the job's JSON, e.g.
 * {@code {"cache":"team","storeHashes":["0123456789abcdfghijklmnpqrsvwxyz"]}}: store hashes only,
 * at most 200, so it stays far below Lambda's 256 KB async payload limit.
 */
public final class LambdaVerificationQueue implements VerificationQueue {
    private static final int ACCEPTED = 202;

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
        SdkBytes payload = SdkBytes.fromByteArray(Json.writeBytes(job));
        InvokeResponse response = lambda.invoke(b -> b.functionName(functionName)
                .invocationType(InvocationType.EVENT)
                .payload(payload));
        if (response.statusCode() == null || response.statusCode() != ACCEPTED) {
            throw new IllegalStateException("Lambda did not queue the verify job for " + functionName
                    + ": status " + response.statusCode()
                    + (response.functionError() == null ? "" : ", " + response.functionError()));
        }
    }
}
