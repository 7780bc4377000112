package dev.nixfront.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.sun.net.httpserver.HttpExchange;
import dev.nixfront.api.ApiError;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.api.Json;
import dev.nixfront.functions.JsonLog;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Plays API Gateway's HTTP API (payload format 2.0) in front of the very handler classes that run
 * in Lambda: each request becomes an {@link APIGatewayV2HTTPEvent} (route key, path parameters,
 * lower-cased headers, query, body, base64 flag) and the handler's response goes back as HTTP.
 * Like API Gateway it refuses bodies over 10 MB and gives a handler at most 30 s (then 504, as API
 * Gateway answers an integration that timed out), and like Lambda it refuses an answer over 6 MB
 * (then 502): an answer the local stack served but AWS would not must fail here too.
 */
final class ApiFront implements AutoCloseable {
    static final int MAX_BODY = 10 * 1024 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Lambda's limit on a synchronous invocation's response payload. */
    static final int MAX_ANSWER = 6 * 1024 * 1024;
    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** A route and the function that serves it. */
    record Binding(ApiRoute route, String functionName, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler) {}

    private final List<Binding> bindings;
    private final Clock clock;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Duration timeout;

    ApiFront(List<Binding> bindings, int port, Clock clock) throws IOException {
        this(bindings, port, clock, TIMEOUT);
    }

    /** @param timeout how long a handler may take before the answer is a 504; 30 s but in tests */
    ApiFront(List<Binding> bindings, int port, Clock clock, Duration timeout) throws IOException {
        this.bindings = List.copyOf(bindings);
        this.clock = clock;
        this.timeout = timeout;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        server.setExecutor(executor);
        server.createContext("/", this::serve);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String rawPath = exchange.getRequestURI().getRawPath();
            for (Binding binding : bindings) {
                Optional<Map<String, String>> parameters = binding.route().match(method, rawPath);
                if (parameters.isPresent()) {
                    byte[] body = readBody(exchange);
                    if (body == null) {
                        send(exchange, error(413, "too_large", "the request body is larger than API Gateway's 10 MB"));
                        return;
                    }
                    send(exchange, invoke(binding, exchange, rawPath, parameters.get(), body));
                    return;
                }
            }
            send(exchange, error(404, "not_found", "no route for " + method + " " + rawPath));
        }
    }

    private APIGatewayV2HTTPResponse invoke(Binding binding, HttpExchange exchange, String rawPath,
                                            Map<String, String> pathParameters, byte[] body) {
        Instant now = clock.instant();
        Map<String, String> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
        String rawQuery = exchange.getRequestURI().getRawQuery();
        Map<String, String> query = parseQuery(rawQuery);
        String contentType = headers.getOrDefault("content-type", "");
        boolean text = body.length == 0 || contentType.startsWith("application/json") || contentType.startsWith("text/");
        String requestId = UUID.randomUUID().toString();
        APIGatewayV2HTTPEvent event = APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey(binding.route().routeKey())
                .withRawPath(rawPath)
                .withRawQueryString(rawQuery == null ? "" : rawQuery)
                .withHeaders(headers)
                .withQueryStringParameters(query.isEmpty() ? null : query)
                .withPathParameters(pathParameters.isEmpty() ? null : pathParameters)
                .withBody(body.length == 0 ? null : text ? new String(body, StandardCharsets.UTF_8) : Base64.getEncoder().encodeToString(body))
                .withIsBase64Encoded(!text)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRouteKey(binding.route().routeKey())
                        .withStage("$default")
                        .withRequestId(requestId)
                        .withAccountId("000000000000")
                        .withApiId("local")
                        .withDomainName(headers.getOrDefault("host", "127.0.0.1"))
                        .withTime(REQUEST_TIME.format(now))
                        .withTimeEpoch(now.toEpochMilli())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(exchange.getRequestMethod())
                                .withPath(rawPath)
                                .withProtocol(exchange.getProtocol())
                                .withSourceIp(exchange.getRemoteAddress().getAddress().getHostAddress())
                                .withUserAgent(headers.getOrDefault("user-agent", ""))
                                .build())
                        .build())
                .build();
        LocalLambdaContext context = new LocalLambdaContext(binding.functionName(), now.plus(timeout), clock);
        java.util.concurrent.Future<APIGatewayV2HTTPResponse> call = executor.submit(() -> binding.handler().handleRequest(event, context));
        APIGatewayV2HTTPResponse response;
        try {
            response = call.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            // The function goes on (Lambda stops it at its own timeout); the caller gets API Gateway's answer.
            return error(504, "gateway_timeout", "the " + binding.functionName() + " function did not answer within "
                    + timeout.toSeconds() + " s, API Gateway's limit");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error(500, "internal", "interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            // In AWS an unhandled exception becomes a bare 500 and one structured log line; keep both.
            Throwable cause = e.getCause();
            JsonLog.error(context, binding.functionName() + " failed on " + binding.route().routeKey(), cause);
            return error(500, "internal", "the " + binding.functionName() + " function failed: " + cause);
        }
        if (response == null) {
            return error(500, "internal", "the handler returned nothing");
        }
        if (response.getBody() != null && response.getBody().length() > MAX_ANSWER) {
            return error(502, "bad_gateway", "the " + binding.functionName() + " function's answer ("
                    + response.getBody().length() + " characters) is over Lambda's 6 MB limit");
        }
        return response;
    }

    private static byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            return body.length > MAX_BODY ? null : body;
        }
    }

    private static Map<String, String> parseQuery(String rawQuery) {
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.merge(name, value, (a, b) -> a + "," + b);
        }
        return query;
    }

    private static void send(HttpExchange exchange, APIGatewayV2HTTPResponse response) throws IOException {
        int status = response.getStatusCode() == 0 ? 200 : response.getStatusCode();
        if (response.getHeaders() != null) {
            response.getHeaders().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        }
        if (response.getMultiValueHeaders() != null) {
            response.getMultiValueHeaders().forEach((name, values) -> exchange.getResponseHeaders().put(name, new ArrayList<>(values)));
        }
        if (response.getCookies() != null) {
            response.getCookies().forEach(cookie -> exchange.getResponseHeaders().add("Set-Cookie", cookie));
        }
        String body = response.getBody();
        byte[] bytes = body == null ? new byte[0]
                : response.getIsBase64Encoded() ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
        if (status == 204 || status == 304 || bytes.length == 0) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static APIGatewayV2HTTPResponse error(int status, String code, String reason) {
        String json = Json.write(new ApiError(code, null, reason));
        return APIGatewayV2HTTPResponse.builder()
                .withStatusCode(status)
                .withHeaders(Map.of("content-type", "application/json"))
                .withBody(json)
                .build();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
