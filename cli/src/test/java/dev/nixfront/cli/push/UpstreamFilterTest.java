package dev.nixfront.cli.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nixfront.api.Upstream;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import dev.nixfront.nix.sign.SecretKey;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What push counts as served by an upstream, against a real HTTP server on loopback: only what the
 * server's own check accepts (no redirect followed, the whole answer within the server's time), so
 * a path push skips is never one the server then refuses.
 */
class UpstreamFilterTest {
    private final SecretKey key = SecretKey.generate("up-1", new SecureRandom());
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private HttpServer server;
    private String url;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(handlers);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort() + "/up";
    }

    @AfterEach
    void stop() {
        server.stop(0);
        handlers.shutdownNow();
    }

    private static StorePath path(String name) {
        byte[] digest = Hash.sha256(name.getBytes(StandardCharsets.UTF_8)).bytes();
        return new StorePath(StorePath.DEFAULT_STORE_DIR, StorePathHash.of(Arrays.copyOf(digest, 20)), name);
    }

    private String narInfo(StorePath path) {
        Hash hash = Hash.sha256(path.toString().getBytes(StandardCharsets.UTF_8));
        return NarInfo.builder(path).url("nar/" + hash.toNix32() + ".nar").compression(Compression.NONE).fileHash(hash)
                .fileSize(100).narHash(hash).narSize(100).references(List.of()).build().sign(key).render();
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Test
    void aRedirectOrAnAnswerSlowerThanTheServerWaitsIsNotServed() throws Exception {
        StorePath direct = path("direct");
        StorePath moved = path("moved");
        StorePath slow = path("slow");
        server.createContext("/up/" + direct.hash() + ".narinfo", e -> answer(e, 200, narInfo(direct)));
        // The narinfo is valid where it points, but the server follows no redirect.
        server.createContext("/elsewhere/" + moved.hash() + ".narinfo", e -> answer(e, 200, narInfo(moved)));
        server.createContext("/up/" + moved.hash() + ".narinfo", e -> {
            e.getResponseHeaders().add("Location", "/elsewhere/" + moved.hash() + ".narinfo");
            answer(e, 302, "");
        });
        // Within push's old 5 s, past the server's 3 s.
        server.createContext("/up/" + slow.hash() + ".narinfo", e -> {
            try {
                Thread.sleep(4000);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            answer(e, 200, narInfo(slow));
        });

        StringWriter warnings = new StringWriter();
        UpstreamFilter filter = UpstreamFilter.create(new PrintWriter(warnings));
        // The slow one last: an upstream that times out is not asked again in the run.
        assertThat(filter.served(List.of(new Upstream(url, key.publicKey().toString())), List.of(direct, moved, slow)))
                .containsExactly(direct);
        assertThat(warnings.toString()).contains("upstream " + url + " failed");
    }

    @Test
    void aBodyThatComesSlowerThanTheServerWaitsIsNotServed() throws Exception {
        StorePath slowBody = path("slow-body");
        server.createContext("/up/" + slowBody.hash() + ".narinfo", e -> {
            byte[] bytes = narInfo(slowBody).getBytes(StandardCharsets.UTF_8);
            e.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = e.getResponseBody()) {
                out.write(bytes, 0, 10);
                out.flush();
                Thread.sleep(4000);
                out.write(bytes, 10, bytes.length - 10);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        });
        UpstreamFilter filter = UpstreamFilter.create(new PrintWriter(new StringWriter()));
        long started = System.nanoTime();
        assertThat(filter.served(List.of(new Upstream(url, key.publicKey().toString())), List.of(slowBody))).isEmpty();
        assertThat((System.nanoTime() - started) / 1_000_000).as("ms, bounded like the server's request").isLessThan(3900);
    }
}
