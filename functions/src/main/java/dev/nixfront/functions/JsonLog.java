package dev.nixfront.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import dev.nixfront.api.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Failures the handlers log, each as one JSON object on one line, which is what the functions'
 * JSON log format expects and what CloudWatch Logs Insights indexes field by field:
 * <pre>{@code
 * {"level":"ERROR","message":"internal error","errorType":"java.lang.IllegalStateException",
 *  "errorMessage":"table unavailable","stackTrace":"java.lang.IllegalStateException: table unavailable\n\tat ...",
 *  "requestId":"8f3c2a6e-5b1d-4c7e-9a0f-2d4b6c8e1f3a"}
 * }</pre>
 * (one line in the log; broken here to fit). The line goes to the invocation's
 * {@link LambdaLogger} as bytes with its level: the Java runtime filters it by the application log
 * level and passes the bytes through as they are, where a String would become the "message" of a
 * JSON object of the runtime's own and a stack trace printed to stderr one log event per line.
 *
 * <p>Nothing from the request is logged: its headers carry the bearer token and its body is the
 * client's. Only the exception is, and a token-shaped string in its text is masked in case a
 * message ever quoted one: an {@code nf_...} token anywhere, and whatever follows {@code Bearer} or
 * {@code Basic} (the bootstrap token is whatever its secret holds, so it has no shape to find).
 */
public final class JsonLog {
    private static final Pattern TOKEN = Pattern.compile("nf_[A-Za-z0-9_-]{16,}");
    private static final Pattern CREDENTIAL = Pattern.compile("(?i)\\b(bearer|basic)\\s+(?!nf_<masked>)[^\\s)\"',]+");

    private JsonLog() {}

    /** An unexpected failure, with its type and stack trace. */
    public static void error(Context context, String message, Throwable error) {
        Map<String, String> line = new LinkedHashMap<>();
        line.put("level", LogLevel.ERROR.name());
        line.put("message", message);
        line.put("errorType", error.getClass().getName());
        if (error.getMessage() != null) {
            line.put("errorMessage", mask(error.getMessage()));
        }
        StringWriter trace = new StringWriter();
        error.printStackTrace(new PrintWriter(trace));
        line.put("stackTrace", mask(trace.toString()));
        write(context, LogLevel.ERROR, line);
    }

    /** An expected refusal worth an operator's attention, without a stack trace. */
    public static void error(Context context, String message) {
        Map<String, String> line = new LinkedHashMap<>();
        line.put("level", LogLevel.ERROR.name());
        line.put("message", mask(message));
        write(context, LogLevel.ERROR, line);
    }

    /** A refusal whose reason the client is not told (an ID token exchange's): one line at WARN. */
    public static void warn(Context context, String message) {
        Map<String, String> line = new LinkedHashMap<>();
        line.put("level", LogLevel.WARN.name());
        line.put("message", mask(message));
        write(context, LogLevel.WARN, line);
    }

    /** A notice, such as what SnapStart priming did: one line at INFO with these fields. */
    public static void info(String message, Map<String, String> fields) {
        Map<String, String> line = new LinkedHashMap<>();
        line.put("level", LogLevel.INFO.name());
        line.put("message", message);
        line.putAll(fields);
        write(null, LogLevel.INFO, line);
    }

    private static void write(Context context, LogLevel level, Map<String, String> line) {
        // Lambda always passes a context; callers without one (tests, other fronts) get the runtime's
        // default logger, which writes to standard output.
        LambdaLogger logger = context == null || context.getLogger() == null ? LambdaRuntime.getLogger() : context.getLogger();
        if (context != null && context.getAwsRequestId() != null) {
            line.put("requestId", context.getAwsRequestId());
        }
        logger.log((Json.write(line) + "\n").getBytes(StandardCharsets.UTF_8), level);
    }

    private static String mask(String text) {
        return CREDENTIAL.matcher(TOKEN.matcher(text).replaceAll("nf_<masked>")).replaceAll("$1 <masked>");
    }
}
