package dev.nixfront.local;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

/**
 * The Lambda {@link Context} of one local invocation: a request id, the function's name, the time
 * left before the deadline a real Lambda would enforce, and a logger writing to stderr.
 */
final class LocalLambdaContext implements Context {
    private static final LambdaLogger LOGGER = new LambdaLogger() {
        @Override
        public void log(String message) {
            // Like Lambda's logger, one message is one log event: end it with exactly one newline.
            System.err.print(message.endsWith("\n") ? message : message + "\n");
        }

        @Override
        public void log(byte[] message) {
            log(new String(message, StandardCharsets.UTF_8));
        }
    };

    private final String requestId = UUID.randomUUID().toString();
    private final String functionName;
    private final String invokedFunctionArn;
    private final Instant deadline;
    private final Clock clock;

    LocalLambdaContext(String functionName, Instant deadline, Clock clock) {
        this(functionName, "arn:aws:lambda:local:000000000000:function:" + functionName, deadline, clock);
    }

    /** @param invokedFunctionArn the ARN the invocation named (an alias's, as Lambda reports it) */
    LocalLambdaContext(String functionName, String invokedFunctionArn, Instant deadline, Clock clock) {
        this.invokedFunctionArn = invokedFunctionArn;
        this.functionName = functionName;
        this.deadline = deadline;
        this.clock = clock;
    }

    @Override
    public String getAwsRequestId() {
        return requestId;
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/" + functionName;
    }

    @Override
    public String getLogStreamName() {
        return "local";
    }

    @Override
    public String getFunctionName() {
        return functionName;
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
        return invokedFunctionArn;
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        return (int) Math.max(0, deadline.toEpochMilli() - clock.millis());
    }

    @Override
    public int getMemoryLimitInMB() {
        return 1024;
    }

    @Override
    public LambdaLogger getLogger() {
        return LOGGER;
    }
}
