package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.nixfront.cache.port.UpstreamClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The upstream adapter against a real HTTP server on loopback: what it reads, what it refuses, what it never follows. */
class HttpUpstreamClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private HttpServer server;
    private String base;
    private final HttpUpstreamClient client = new HttpUpstreamClient();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/up/good.narinfo", exchange -> answer(exchange, 200, "StorePath: /nix/store/x\n"));
        server.createContext("/up/huge.narinfo", exchange -> answer(exchange, 200, "x".repeat(5000)));
        server.createContext("/up/moved.narinfo", exchange -> {
            exchange.getResponseHeaders().add("Location", "http://169.254.169.254/latest/meta-data/");
            answer(exchange, 302, "");
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort() + "/up/";
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private UpstreamClient.Answer get(String name, boolean privateAddresses, int maxBytes) throws Exception {
        return client.get(URI.create(base + name), privateAddresses, TIMEOUT, maxBytes).get(10, TimeUnit.SECONDS);
    }

    @Test
    void readsANarInfoWhereLoopbackIsAllowed() throws Exception {
        assertThat(get("good.narinfo", true, 1000)).isEqualTo(new UpstreamClient.Answer(200, "StorePath: /nix/store/x\n"));
        assertThat(get("absent.narinfo", true, 1000).status()).isEqualTo(404);
    }

    @Test
    void neverFollowsARedirect() throws Exception {
        assertThat(get("moved.narinfo", true, 1000)).isEqualTo(new UpstreamClient.Answer(302, ""));
    }

    @Test
    void refusesAnAnswerOverTheBound() {
        assertThatThrownBy(() -> get("huge.narinfo", true, 1000)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("more than 1000 bytes");
    }

    @Test
    void refusesANameResolvingToLoopbackWhereOnlyPublicAddressesAreAllowed() {
        assertThatThrownBy(() -> client.get(URI.create("http://localhost:" + server.getAddress().getPort() + "/up/good.narinfo"), false,
                TIMEOUT, 1000).get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("a loopback, link-local or private address");
    }
}
