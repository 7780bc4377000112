package dev.nixfront.local;

import com.sun.net.httpserver.HttpServer;
import dev.nixfront.api.Json;
import dev.nixfront.cache.fake.TestIssuer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * OpenID Connect issuers made in the test, served over HTTP on loopback: each issuer is a path
 * ({@code http://127.0.0.1:PORT/NAME}) with its own keys, discovery document and key set, and the
 * server also plays the GitHub runner's ID token endpoint ({@code /runner?api-version=2.0&audience=AUD},
 * bearer {@link #REQUEST_TOKEN}), which hands out a token of the issuer {@code main} for
 * {@link #subject}. A path in {@link #redirects} answers 302 to its target.
 */
final class LoopbackIssuer implements AutoCloseable {
    static final String REQUEST_TOKEN = "runner-request-token";

    private final HttpServer server;
    private final Map<String, TestIssuer> issuers = new ConcurrentHashMap<>();
    final Map<String, String> redirects = new ConcurrentHashMap<>();
    volatile String subject = "repo:acme/site:ref:refs/heads/main";

    LoopbackIssuer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getRawPath();
            String url = base() + path;
            byte[] body;
            int status;
            if (redirects.containsKey(url)) {
                exchange.getResponseHeaders().add("Location", redirects.get(url));
                status = 302;
                body = new byte[0];
            } else if (path.equals("/runner")) {
                boolean allowed = ("bearer " + REQUEST_TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"));
                String audience = audience(exchange.getRequestURI().getRawQuery());
                status = allowed && audience != null ? 200 : 403;
                body = status == 200 ? Json.writeBytes(Map.of("value", issuer("main").token(
                        issuer("main").claims(subject, audience, Clock.systemUTC().instant())))) : new byte[0];
            } else {
                String document = issuers.values().stream().map(i -> i.documents().get(url)).filter(d -> d != null).findFirst().orElse(null);
                status = document == null ? 404 : 200;
                body = document == null ? new byte[0] : document.getBytes(StandardCharsets.UTF_8);
            }
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
    }

    private static String audience(String query) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("audience=")) {
                return URLDecoder.decode(pair.substring("audience=".length()), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The issuer at {@code /name}, made on first use. */
    TestIssuer issuer(String name) {
        return issuers.computeIfAbsent(name, n -> new TestIssuer(base() + "/" + n));
    }

    /** The runner's ID token endpoint, as GitHub puts it in ACTIONS_ID_TOKEN_REQUEST_URL. */
    String runnerUrl() {
        return base() + "/runner?api-version=2.0";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
