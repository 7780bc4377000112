package dev.nixfront.cli.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.nixfront.cli.client.HttpClients;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpSourceTest {
    private final HttpClients clients = new HttpClients();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        clients.close();
    }

    @Test
    void eachUrlGetsTheClientForItsOwnScheme() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/nix-cache-info", exchange -> {
            byte[] body = "StoreDir: /nix/store\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        URI root = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        List<URI> asked = new CopyOnWriteArrayList<>();
        HttpSource source = new HttpSource(root, uri -> {
            asked.add(uri);
            if (uri.getScheme().equals("https")) {
                // Where the https client would connect; this test stops here, having seen which URL asked.
                throw new UncheckedIOException(new IOException("https client asked for " + uri));
            }
            return clients.forUri(uri);
        });

        assertThat(source.cacheInfo()).hasValue("StoreDir: /nix/store\n");
        // Nix lets a narinfo's URL be absolute: an http:// cache may keep its NARs behind https.
        assertThatThrownBy(() -> source.open("https://cdn.example.org/nar/1.nar.zst"))
                .hasMessageContaining("https client asked for https://cdn.example.org/nar/1.nar.zst");
        assertThat(asked).containsExactly(root.resolve("/nix-cache-info"), URI.create("https://cdn.example.org/nar/1.nar.zst"));
    }
}
