package dev.nixfront.local;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * KMS, Secrets Manager and Lambda played by moto_server (Python moto 5.2.1), a child process of the
 * test JVM on a free loopback port:
 *
 * <pre>
 * moto_server -H 127.0.0.1 -p 45123
 * POST /moto-api/config {"lambda": {"use_docker": false}}   (an Event invoke answers 202, runs nothing)
 * </pre>
 *
 * moto keeps everything in memory, accepts any credentials, and enforces KMS encryption contexts.
 * Missing, it fails the test naming what to install; {@code ./nixfront test} installs it where pip can.
 */
final class MotoServer implements AutoCloseable {
    private static final Duration START_DEADLINE = Duration.ofSeconds(60);

    private final Process process;
    private final int port;
    private final StringBuffer output = new StringBuffer();

    private MotoServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static MotoServer start() {
        int port = freePort();
        Process process;
        try {
            process = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            return fail("the AWS-mode tests need moto_server (Python moto 5.2.1, which stands in for KMS, Secrets Manager"
                    + " and Lambda): pip install 'moto[server]==5.2.1' (" + e.getMessage() + ")");
        }
        MotoServer moto = new MotoServer(process, port);
        Thread drain = new Thread(() -> moto.drain(process.getInputStream()), "moto-output");
        drain.setDaemon(true);
        drain.start();
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "moto-shutdown"));
        moto.awaitReady();
        moto.post("/moto-api/config", "{\"lambda\": {\"use_docker\": false}}");
        return moto;
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    private void drain(InputStream in) {
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                if (output.length() > 16_384) {
                    output.delete(0, output.length() - 8_192);
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(START_DEADLINE);
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build()) {
            while (true) {
                if (!process.isAlive()) {
                    fail("moto_server exited with " + process.exitValue() + " before it was ready:\n" + output);
                }
                try {
                    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(endpoint().resolve("/moto-api/config"))
                            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
                    if (answer.statusCode() / 100 == 2) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                if (Instant.now().isAfter(deadline)) {
                    fail("moto_server not ready on port " + port + " after " + START_DEADLINE + ":\n" + output);
                }
                process.waitFor(50, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for moto_server", e);
        }
    }

    private void post(String path, String json) {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(endpoint().resolve(path))
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() / 100 != 2) {
                fail("moto_server refused " + path + ": " + answer.statusCode() + " " + answer.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
