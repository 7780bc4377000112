package dev.nixfront.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpClientsTest {
    private final HttpClients clients = new HttpClients();
    private HttpServer server;
    private URI base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hello", exchange -> {
            byte[] body = "hello\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        // A plain server that sends its client to https: on this very port, so the connection
        // itself succeeds and only TLS is left to refuse.
        server.createContext("/moved", exchange -> {
            exchange.getResponseHeaders().add("Location", "https://127.0.0.1:" + server.getAddress().getPort() + "/hello");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
        clients.close();
    }

    @Test
    void thePlainClientSpeaksHttpAndRefusesToBeRedirectedToTls() throws Exception {
        HttpResponse<String> hello = clients.forUri(base).send(HttpRequest.newBuilder(base.resolve("/hello")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("hello\n");

        assertThatThrownBy(() -> clients.forUri(base).send(HttpRequest.newBuilder(base.resolve("/moved")).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("https:// URL reached the client for plain http://");
    }

    @Test
    void httpsGetsItsOwnClientWithTheJdksTls() {
        URI https = URI.create("https://cache.example.org");
        assertThat(clients.forUri(https)).isNotSameAs(clients.forUri(base)).isSameAs(clients.forUri(https));
        assertThat(clients.forUri(https).sslContext().getProtocol()).isEqualTo("Default");
        assertThat(clients.forUri(base).sslContext().getProtocol()).isEqualTo("none");
    }
}
