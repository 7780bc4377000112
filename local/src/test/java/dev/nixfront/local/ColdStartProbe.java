package dev.nixfront.local;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.nixfront.functions.Priming;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One cold start, in a fresh JVM whose classpath is a function's deployment (the functions jar, the
 * layer's jars) plus this class: builds the handler with its no-argument constructor, as Lambda's
 * runtime does (the environment is the function's, from the synthesized template), optionally runs
 * the SnapStart priming a snapshot would have run ({@code primed}), and sends one event. Prints one
 * line {@code cold-start <name>=<value> ...} with the times, in milliseconds, measured from
 * {@code spawnMicros}: the driver's wall clock (epoch microseconds) just before it started this JVM.
 *
 * <p>Run by {@link ColdStartBenchmark}, never as a test. It reads the event from a plain text file
 * and builds it by hand, so that no JSON class of ours is loaded before the first answer: Lambda's
 * runtime reads events with a JSON library of its own.
 *
 * <p>Arguments: {@code <handler class> <event file> cold|primed <spawnMicros>}.
 */
public final class ColdStartProbe {
    private ColdStartProbe() {
    }

    public static void main(String[] args) throws Exception {
        long spawn = Long.parseLong(args[3]);
        boolean primed = "primed".equals(args[2]);
        PrintStream out = System.out;
        Object handler = Class.forName(args[0]).getConstructor().newInstance();
        long constructed = micros();
        long primeEnd = constructed;
        if (primed) {
            // What Lambda does around the snapshot; afterwards this JVM plays the restored one.
            for (Priming priming : Priming.registered()) {
                priming.prime();
                priming.restored();
            }
            primeEnd = micros();
        }
        List<String> lines = Files.readAllLines(Path.of(args[1]), StandardCharsets.UTF_8);
        Object event = "api".equals(value(lines, "kind")) ? apiEvent(lines) : mapEvent(lines);
        long start = micros();
        Object answer = invoke(handler, event);
        long answered = micros();
        String status = answer instanceof APIGatewayV2HTTPResponse r ? String.valueOf(r.getStatusCode()) : "done";
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime() * 1000;
        out.printf("cold-start jvm=%.1f constructed=%.1f prime=%.1f answer=%.1f status=%s%n",
                (jvmStart - spawn) / 1000.0, (constructed - spawn) / 1000.0, (primeEnd - constructed) / 1000.0,
                (answered - start) / 1000.0, status);
        out.flush();
        System.exit(0);
    }

    @SuppressWarnings("unchecked")
    private static Object invoke(Object handler, Object event) {
        return ((RequestHandler<Object, Object>) handler).handleRequest(event, new ProbeContext());
    }

    private static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    private static String value(List<String> lines, String key) {
        return lines.stream().filter(l -> l.startsWith(key + "\t")).map(l -> l.substring(key.length() + 1)).findFirst().orElse(null);
    }

    /** Lines {@code routeKey}, {@code method}, {@code rawPath}, {@code body}, and {@code param}/{@code header} NAME VALUE. */
    private static APIGatewayV2HTTPEvent apiEvent(List<String> lines) {
        Map<String, String> params = new HashMap<>();
        Map<String, String> headers = new HashMap<>();
        for (String line : lines) {
            String[] f = line.split("\t", 3);
            if (f[0].equals("param")) {
                params.put(f[1], f[2]);
            } else if (f[0].equals("header")) {
                headers.put(f[1], f[2]);
            }
        }
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey(value(lines, "routeKey"))
                .withRawPath(value(lines, "rawPath"))
                .withPathParameters(params)
                .withHeaders(headers)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(value(lines, "method")).build()).build())
                .withBody(value(lines, "body"))
                .withIsBase64Encoded(false)
                .build();
    }

    /** Lines {@code string KEY VALUE}, {@code list KEY V1,V2}, {@code bool KEY true|false}. */
    private static Map<String, Object> mapEvent(List<String> lines) {
        Map<String, Object> event = new LinkedHashMap<>();
        for (String line : lines) {
            String[] f = line.split("\t", 3);
            switch (f[0]) {
                case "string" -> event.put(f[1], f[2]);
                case "list" -> event.put(f[1], new ArrayList<>(Arrays.asList(f[2].split(","))));
                case "bool" -> event.put(f[1], Boolean.parseBoolean(f[2]));
                default -> { }
            }
        }
        return event;
    }

    /** An invocation of 15 minutes, invoked through the alias ARN the driver passes in {@code -Dnixfront.probe.arn}. */
    private static final class ProbeContext implements Context {
        @Override
        public String getAwsRequestId() {
            return "cold-start-probe";
        }

        @Override
        public String getLogGroupName() {
            return null;
        }

        @Override
        public String getLogStreamName() {
            return null;
        }

        @Override
        public String getFunctionName() {
            return null;
        }

        @Override
        public String getFunctionVersion() {
            return null;
        }

        @Override
        public String getInvokedFunctionArn() {
            return System.getProperty("nixfront.probe.arn", "arn:aws:lambda:eu-west-1:123456789012:function:probe:live");
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
            return 15 * 60 * 1000;
        }

        @Override
        public int getMemoryLimitInMB() {
            return 1024;
        }

        @Override
        public LambdaLogger getLogger() {
            return LambdaRuntime.getLogger();
        }
    }
}
