package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.nixfront.cache.port.UpstreamClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.LinkedBlockingQueue;
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
                .hasMessageContaining("answer too large");
    }

    @Test
    void aBodyThatStallsIsGivenUpAtTheTimeoutAndItsConnectionClosed() throws Exception {
        try (Stalling upstream = new Stalling(Stall.BODY)) {
            long started = System.nanoTime();
            CompletableFuture<UpstreamClient.Answer> answer = client.get(upstream.url(), true, Duration.ofSeconds(1), 1000);
            assertThatThrownBy(() -> answer.get(5, TimeUnit.SECONDS)).as("bounded end to end, body included")
                    .isInstanceOf(ExecutionException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
            assertThat(upstream.closedWithin(Duration.ofSeconds(3))).as("the connection was closed when given up").isTrue();
        }
    }

    @Test
    void aBodyTrickledOneByteAtATimeIsBoundedToo() throws Exception {
        try (Stalling upstream = new Stalling(Stall.TRICKLE)) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> client.get(upstream.url(), true, Duration.ofSeconds(1), 1000).get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
            assertThat(upstream.closedWithin(Duration.ofSeconds(3))).isTrue();
        }
    }

    @Test
    void stallingUpstreamsHoldNoThreadOfTheCommonPool() throws Exception {
        try (Stalling upstream = new Stalling(Stall.BODY)) {
            List<CompletableFuture<UpstreamClient.Answer>> stalled = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                stalled.add(client.get(upstream.url(), true, Duration.ofSeconds(4), 1000));
            }
            upstream.accepted(stalled.size(), Duration.ofSeconds(3));
            Thread.sleep(500);
            // A worker blocked in a read makes the pool add one to make up for it (up to 256, then it starves).
            assertThat(ForkJoinPool.commonPool().getPoolSize()).as("workers of the common pool")
                    .isLessThanOrEqualTo(ForkJoinPool.getCommonPoolParallelism());
            assertThat(CompletableFuture.supplyAsync(() -> "free").get(1, TimeUnit.SECONDS)).isEqualTo("free");
            stalled.forEach(f -> f.cancel(true));
        }
    }

    @Test
    void cancellingTheAnswerClosesTheConnectionBeforeTheHeadersAndDuringTheBody() throws Exception {
        for (Stall stall : List.of(Stall.HEADERS, Stall.BODY)) {
            try (Stalling upstream = new Stalling(stall)) {
                CompletableFuture<UpstreamClient.Answer> answer = client.get(upstream.url(), true, Duration.ofSeconds(30), 1000);
                upstream.accepted(1, Duration.ofSeconds(3));
                Thread.sleep(300);
                answer.cancel(true);
                assertThat(upstream.closedWithin(Duration.ofSeconds(3))).as("the exchange itself was cancelled, " + stall).isTrue();
            }
        }
    }

    private enum Stall { HEADERS, BODY, TRICKLE }

    /**
     * An upstream that reads the request and sends nothing, or answers 200 with a Content-Length of
     * 2000 and then sends nothing more (or one byte every 300 ms); it tells when the client closed
     * each connection.
     */
    private static final class Stalling implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final BlockingQueue<Boolean> accepted = new LinkedBlockingQueue<>();
        private final BlockingQueue<Boolean> closed = new LinkedBlockingQueue<>();
        private final List<Socket> open = new ArrayList<>();
        private final Thread acceptor;

        Stalling(Stall stall) throws IOException {
            acceptor = Thread.ofPlatform().daemon().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        synchronized (open) {
                            open.add(s);
                        }
                        accepted.add(true);
                        Thread.ofPlatform().daemon().start(() -> serve(s, stall));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket s, Stall stall) {
            try (s) {
                InputStream in = s.getInputStream();
                StringBuilder head = new StringBuilder();
                while (!head.toString().endsWith("\r\n\r\n")) {
                    int c = in.read();
                    if (c < 0) {
                        closed.add(true);
                        return;
                    }
                    head.append((char) c);
                }
                OutputStream out = s.getOutputStream();
                if (stall != Stall.HEADERS) {
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\nStorePath: ".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                if (stall == Stall.TRICKLE) {
                    s.setSoTimeout(300);
                }
                while (true) {
                    try {
                        if (in.read() < 0) {
                            closed.add(true);
                            return;
                        }
                    } catch (java.net.SocketTimeoutException e) {
                        out.write('x');
                        out.flush();
                    }
                }
            } catch (IOException e) {
                closed.add(true);
            }
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/stall.narinfo");
        }

        void accepted(int connections, Duration within) throws InterruptedException {
            for (int i = 0; i < connections; i++) {
                assertThat(accepted.poll(within.toMillis(), TimeUnit.MILLISECONDS)).as("connection " + i).isNotNull();
            }
        }

        boolean closedWithin(Duration within) throws InterruptedException {
            return closed.poll(within.toMillis(), TimeUnit.MILLISECONDS) != null;
        }

        @Override
        public void close() throws IOException {
            socket.close();
            synchronized (open) {
                for (Socket s : open) {
                    s.close();
                }
            }
            acceptor.interrupt();
        }
    }

    @Test
    void failuresAreToldInFixedWordsNeverTheUpstreamsNorWhatANameResolvedTo() throws Exception {
        try (ServerSocket banner = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket hangUp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().start(() -> answerEveryConnection(banner, "SECRET-BANNER api_key=hunter2\r\n\r\n"));
            Thread.ofPlatform().daemon().start(() -> answerEveryConnection(hangUp, ""));
            int closedPort;
            try (ServerSocket closed = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                closedPort = closed.getLocalPort();
            }
            assertThat(failure("http://127.0.0.1:" + banner.getLocalPort() + "/x.narinfo", true)).isEqualTo("not an HTTP answer");
            // An open port that hangs up and a closed one read the same.
            assertThat(failure("http://127.0.0.1:" + hangUp.getLocalPort() + "/x.narinfo", true)).isEqualTo("connection failed");
            assertThat(failure("http://127.0.0.1:" + closedPort + "/x.narinfo", true)).isEqualTo("connection failed");
            assertThat(failure("http://localhost:" + server.getAddress().getPort() + "/up/good.narinfo", false))
                    .isEqualTo("address not allowed");
            assertThat(failure(base + "huge.narinfo", true)).isEqualTo("answer too large");
            try (Stalling stalling = new Stalling(Stall.HEADERS)) {
                assertThat(failure(stalling.url().toString(), true)).isEqualTo("timed out");
            }
        }
    }

    private String failure(String url, boolean privateAddresses) throws Exception {
        try {
            client.get(URI.create(url), privateAddresses, Duration.ofSeconds(1), 1000).get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).as("nothing of the upstream's further down").hasNoCause();
            return e.getCause().getMessage();
        }
        throw new AssertionError(url + " answered");
    }

    private static void answerEveryConnection(ServerSocket socket, String text) {
        while (!socket.isClosed()) {
            try (Socket s = socket.accept()) {
                s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                return;
            }
        }
    }

    @Test
    void refusesANameResolvingToLoopbackWhereOnlyPublicAddressesAreAllowed() {
        assertThatThrownBy(() -> client.get(URI.create("http://localhost:" + server.getAddress().getPort() + "/up/good.narinfo"), false,
                TIMEOUT, 1000).get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("address not allowed");
    }
}
