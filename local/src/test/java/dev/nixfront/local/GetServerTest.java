package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read server's HTTP layer on its own, over real sockets: keep-alive as curl uses it, HEAD,
 * bodies from files (sendfile) and from streams, and every request a read never needs refused
 * before the handler runs.
 */
class GetServerTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path directory;

    private final List<GetServer.Request> seen = new CopyOnWriteArrayList<>();
    private GetServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(GetServer.Handler handler) throws IOException {
        server = new GetServer(0, request -> {
            seen.add(request);
            return handler.answer(request);
        }, CLOCK, Duration.ofSeconds(5));
    }

    private static GetServer.Handler hello() {
        return request -> GetServer.Response.text(200, List.of(Map.entry("Content-Type", "text/plain")), "hello " + request.rawPath() + "\n");
    }

    /** Sends raw bytes, reads until the server closes; what came back, as ISO-8859-1 text. */
    private String exchange(String request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void answersManyRequestsOnOneConnectionAndPipelined() throws IOException {
        start(hello());
        String answer = exchange("GET /a/1 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /a/2?q=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /a/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(answer.split("HTTP/1.1 200 OK", -1)).hasSize(4);
        assertThat(answer).contains("hello /a/1\n").doesNotContain("hello /a/2").endsWith("hello /a/3\n");
        assertThat(answer).as("HEAD announces the GET's length").contains("Content-Length: 11\r\nDate: Tue, 01 Dec 2026 10:00:00 GMT\r\n\r\nHTTP");
        assertThat(seen).extracting(GetServer.Request::rawPath).containsExactly("/a/1", "/a/2", "/a/3");
        assertThat(answer).containsOnlyOnce("Connection: close");
    }

    @Test
    void keepsTheConnectionAliveForTheJdkClientAndClosesForHttp10() throws Exception {
        start(hello());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 50; i++) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/c/" + i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("hello /c/" + i + "\n");
        }
        assertThat(exchange("GET /old HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.1 200 OK\r\n").contains("Connection: close\r\n").endsWith("hello /old\n");
    }

    @Test
    void sendsFilesAndStreamsWhole() throws Exception {
        byte[] bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(bytes);
        Path file = Files.write(directory.resolve("blob"), bytes);
        start(request -> {
            if (request.rawPath().equals("/file")) {
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                return new GetServer.Response(200, List.of(), channel.size(), channel);
            }
            return new GetServer.Response(200, List.of(), bytes.length, GetServer.stream(new ByteArrayInputStream(bytes)));
        });
        for (String path : new String[] {"/file", "/stream"}) {
            HttpResponse<byte[]> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.body()).as(path).isEqualTo(bytes);
            assertThat(response.headers().firstValueAsLong("content-length")).hasValue(bytes.length);
        }
    }

    @Test
    void aBodyShorterThanAnnouncedEndsTheConnection() throws IOException {
        start(request -> new GetServer.Response(200, List.of(), 10, GetServer.stream(new ByteArrayInputStream(new byte[4]))));
        String answer = exchange("GET /x HTTP/1.1\r\nHost: x\r\n\r\nGET /y HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(answer).contains("Content-Length: 10").containsOnlyOnce("HTTP/1.1 200");
        assertThat(seen).as("the second request is never read after a short body").hasSize(1);
    }

    @Test
    void refusesWhatAReadNeverNeedsBeforeTheHandlerRuns() throws IOException {
        start(hello());
        Map<String, String> refusals = Map.ofEntries(
                Map.entry("GET /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "),
                Map.entry("GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "HTTP/1.1 400 "),
                Map.entry("GET /x HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 400 "),
                Map.entry("GET /x HTTP/1.1\r\nHost : x\r\n\r\n", "HTTP/1.1 400 "),
                Map.entry("GET /x HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "HTTP/1.1 400 "),
                Map.entry("GET /x HTTP/1.1\r\nno colon\r\n\r\n", "HTTP/1.1 400 "),
                Map.entry("GET  /x HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "),
                Map.entry("GET x HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "),
                Map.entry("GET http://evil/x HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "),
                Map.entry("GET /x#frag HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "),
                Map.entry("GET /x\u00e9 HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "),
                Map.entry("GET /x HTTP/2.0\r\n\r\n", "HTTP/1.1 505 "),
                Map.entry("GET /x FTP/1.1\r\n\r\n", "HTTP/1.1 400 "),
                Map.entry("GET /x HTTP/1.1\r\nConnection: close\r\n\r\n", "HTTP/1.1 400 "),
                Map.entry("GET /x HTTP/1.1\r\nX-Big: " + "a".repeat(GetServer.MAX_HEAD) + "\r\n\r\n", "HTTP/1.1 431 "));
        for (Map.Entry<String, String> refusal : refusals.entrySet()) {
            String answer = exchange(refusal.getKey());
            String shown = refusal.getKey().length() > 60 ? refusal.getKey().substring(0, 60) : refusal.getKey();
            assertThat(answer).as(shown).startsWith(refusal.getValue()).contains("Connection: close\r\n").containsOnlyOnce("HTTP/1.1 ");
        }
        assertThat(seen).as("no refused request reached the handler").isEmpty();
    }

    @Test
    void aFailingHandlerIsA503AndAnUnsendableHeaderNeverReachesTheWire() throws IOException {
        start(request -> {
            if (request.rawPath().equals("/split")) {
                return new GetServer.Response(200, List.of(Map.entry("x-amz-meta-a", "b\r\nSet-Cookie: c=d")), 0, null);
            }
            throw new IOException("origin down");
        });
        assertThat(exchange("GET /down HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 503 ").contains("Connection: close");
        assertThat(exchange("GET /split HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 503 ").doesNotContain("Set-Cookie");
    }

    @Test
    void takesTheFirstOfRepeatedHeadersAndLowerCasesNames() throws IOException {
        start(hello());
        exchange("GET /h HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer first\r\nauthorization: Bearer second\r\nConnection: close\r\n\r\n");
        assertThat(seen).singleElement().satisfies(request -> {
            assertThat(request.header("Authorization")).isEqualTo("Bearer first");
            assertThat(request.headers()).containsKey("authorization").doesNotContainKey("Authorization");
        });
    }

    @Test
    void closesAnIdleConnectionAndClosingStopsEverything() throws Exception {
        server = new GetServer(0, hello(), CLOCK, Duration.ofMillis(300));
        try (Socket idle = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            idle.setSoTimeout(10_000);
            idle.getOutputStream().write("GET /partial HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
            InputStream in = idle.getInputStream();
            assertThat(in.read()).as("the server closed the slow connection without an answer").isEqualTo(-1);
        }
        Socket open = new Socket(InetAddress.getLoopbackAddress(), server.port());
        open.setSoTimeout(10_000);
        server.close();
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        open.getInputStream().transferTo(rest);
        assertThat(rest.size()).isZero();
        open.close();
    }

    @Test
    void closesConnectionsOverItsLimitAndServesAgainOnceTheyGo() throws Exception {
        start(hello());
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < GetServer.MAX_CONNECTIONS; i++) {
                held.add(new Socket(InetAddress.getLoopbackAddress(), server.port()));
            }
            try (Socket over = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                over.setSoTimeout(10_000);
                assertThat(over.getInputStream().read()).as("one over the limit is closed at once").isEqualTo(-1);
            }
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
        // The held connections' threads see their ends and leave; until then a new one may be turned away.
        long giveUp = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String answer = "";
        while (!answer.startsWith("HTTP/1.1 200") && System.nanoTime() < giveUp) {
            answer = exchange("GET /again HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        }
        assertThat(answer).startsWith("HTTP/1.1 200").endsWith("hello /again\n");
    }

    @Test
    void ignoresBlankLinesBeforeARequestAndReadsConnectionAsAListOfTokens() throws IOException {
        start(hello());
        String answer = exchange("\r\nGET /a HTTP/1.1\r\nHost: x\r\nConnection: x-unclosed\r\n\r\n"
                + "\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, Close\r\n\r\n");
        assertThat(answer.split("HTTP/1.1 200 OK", -1)).hasSize(3);
        assertThat(answer).containsOnlyOnce("Connection: close").endsWith("hello /b\n");
    }

    @Test
    void closesAConnectionWhoseClientStopsReading() throws Exception {
        // A body far larger than the socket buffers, to a client that never reads: the write
        // blocks, and only the server's send timeout frees the connection (and its slot).
        server = new GetServer(0, request -> new GetServer.Response(200, List.of(), 256L << 20,
                GetServer.stream(new java.io.InputStream() {
                    @Override
                    public int read() {
                        return 0;
                    }

                    @Override
                    public int read(byte[] bytes, int offset, int length) {
                        java.util.Arrays.fill(bytes, offset, offset + length, (byte) 'x');
                        return length;
                    }
                })), CLOCK, Duration.ofMillis(500));
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
            stalled.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            long giveUp = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (server.openConnections() == 0 && System.nanoTime() < giveUp) {
                Thread.onSpinWait();
            }
            assertThat(server.openConnections()).as("the server took the connection").isOne();
            while (server.openConnections() > 0 && System.nanoTime() < giveUp) {
                Thread.onSpinWait();
            }
            assertThat(server.openConnections()).as("the stalled connection was closed under its blocked write").isZero();
        }
    }

    @Test
    void logsFailuresAtMostOnceASecondWithThePathCutShort() throws IOException {
        start(request -> {
            throw new IOException("origin down");
        });
        java.io.PrintStream original = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        String longPath = "/" + "a".repeat(10_000);
        try (java.io.PrintStream capture = new java.io.PrintStream(log, true, StandardCharsets.UTF_8)) {
            System.setErr(capture);
            for (int i = 0; i < 20; i++) {
                assertThat(exchange("GET " + longPath + " HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 503 ");
            }
        } finally {
            System.setErr(original);
        }
        String logged = log.toString(StandardCharsets.UTF_8);
        assertThat(logged).contains("origin down").contains("...(10001 characters)");
        assertThat(logged.length()).as("20 failures in well under 20 s, each a 10 KB path, logged in a few lines").isLessThan(3 * 400);
    }
}
