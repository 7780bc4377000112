package dev.nixfront.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * Sits between the publish function's Lambda client and moto_server: every request goes on to moto
 * unchanged and moto's answer comes back unchanged, but an asynchronous Invoke
 * ({@code POST /2015-03-31/functions/<name>/invocations} with {@code X-Amz-Invocation-Type: Event})
 * is also recorded and, once moto has accepted it, handed to {@code onEvent} with the function name
 * and the payload, as Lambda would hand it to the function. moto runs nothing itself without Docker.
 */
final class LambdaInvokeRecorder implements AutoCloseable {
    /** One accepted asynchronous invocation. */
    record Invocation(String function, byte[] payload, int status) {}

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "host", "transfer-encoding",
            "expect", "upgrade", "keep-alive");

    private final URI moto;
    private final BiConsumer<String, byte[]> onEvent;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<Invocation> invocations = new CopyOnWriteArrayList<>();

    LambdaInvokeRecorder(URI moto, BiConsumer<String, byte[]> onEvent) throws IOException {
        this.moto = moto;
        this.onEvent = onEvent;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::forward);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Invocation> invocations() {
        return List.copyOf(invocations);
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            HttpRequest.Builder request = HttpRequest.newBuilder(moto.resolve(exchange.getRequestURI().toString()))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                    values.forEach(v -> request.header(name, v));
                }
            });
            HttpResponse<byte[]> answer;
            try {
                answer = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            answer.headers().map().forEach((name, values) -> {
                // moto answers a DryRun 204 with a body and its CRC32; a 204 carries no body (the
                // client drops it), so the checksum would not match what Lambda itself sends: none.
                boolean bodyless = answer.statusCode() == 204 && name.equalsIgnoreCase("x-amz-crc32");
                if (!HOP_BY_HOP.contains(name.toLowerCase(java.util.Locale.ROOT)) && !name.startsWith(":") && !bodyless) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
            exchange.getResponseBody().write(answer.body());
            exchange.close();

            String path = exchange.getRequestURI().getRawPath();
            String type = exchange.getRequestHeaders().getFirst("X-Amz-Invocation-Type");
            if (path.startsWith("/2015-03-31/functions/") && path.endsWith("/invocations") && "Event".equals(type)) {
                String function = URLDecoder.decode(path.substring("/2015-03-31/functions/".length(),
                        path.length() - "/invocations".length()), StandardCharsets.UTF_8);
                invocations.add(new Invocation(function, body, answer.statusCode()));
                if (answer.statusCode() == 202) {
                    onEvent.accept(function, body);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        http.close();
    }
}
