package dev.nixfront.local.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * DynamoDB played by dynalite (npm {@code dynalite@4.0.0}, pinned in {@code local/package-lock.json}
 * and installed into {@code local/node_modules} by the build), run as a child process of this JVM:
 *
 * <pre>
 * node local/node_modules/dynalite/cli.js --host 127.0.0.1 --port 45123 --path DIR/dynamodb \
 *      --createTableMs 0 --deleteTableMs 0 --updateTableMs 0
 * </pre>
 *
 * The zero delays make CreateTable answer ACTIVE at once (otherwise a table plus the SDK waiter takes
 * ~20 s). dynalite has no transactions, no PartiQL and no TTL expiry: the adapters use none of them.
 */
public final class DynaliteServer implements AutoCloseable {
    private static final Duration START_DEADLINE = Duration.ofSeconds(30);
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(10);
    private static final int OUTPUT_TAIL = 4096;
    private static final String CLI = "dynalite/cli.js";

    private final Path dataDirectory;
    private final int requestedPort;
    private final Path cli;
    private final String node;
    private Process process;
    private int port;
    private Thread shutdownHook;
    private OutputTail output;

    /**
     * @param dataDirectory where LevelDB keeps the tables, created if missing; null keeps them in memory
     * @param port          the port to bind on 127.0.0.1, or 0 for a free one
     * @param cli           dynalite's {@code cli.js}; see {@link #locateCli()}
     * @param node          the node executable (a path, or a name looked up on PATH)
     */
    public DynaliteServer(Path dataDirectory, int port, Path cli, String node) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, not " + port);
        }
        this.dataDirectory = dataDirectory;
        this.requestedPort = port;
        this.cli = Objects.requireNonNull(cli, "cli");
        this.node = Objects.requireNonNull(node, "node");
    }

    /** dynalite from the build's {@code local/node_modules}, run by {@code node} from PATH. */
    public static DynaliteServer of(Path dataDirectory, int port) {
        return new DynaliteServer(dataDirectory, port, locateCli(), "node");
    }

    /** In memory on a free port: what the integration tests use. */
    public static DynaliteServer inMemory() {
        return of(null, 0);
    }

    /**
     * Finds {@code node_modules/dynalite/cli.js} installed by the build: next to the module this class
     * was loaded from ({@code local/target/classes} or {@code local/target/*.jar}, so
     * {@code local/node_modules}), else under the working directory or its {@code local/} folder.
     */
    public static Path locateCli() {
        List<Path> candidates = new ArrayList<>();
        codeLocation().ifPresent(location -> {
            // local/target/classes -> local, local/target/x.jar -> local
            Path target = location.getParent();
            Path prefix = target == null ? null : target.getParent();
            if (prefix != null) {
                candidates.add(prefix.resolve("node_modules").resolve(CLI));
            }
        });
        Path cwd = Path.of("").toAbsolutePath();
        candidates.add(cwd.resolve("node_modules").resolve(CLI));
        candidates.add(cwd.resolve("local").resolve("node_modules").resolve(CLI));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("dynalite is not installed (looked for " + candidates
                + "): build the local module (./mvnw -pl local -am package runs npm ci in local/)");
    }

    private static Optional<Path> codeLocation() {
        try {
            var source = DynaliteServer.class.getProtectionDomain().getCodeSource();
            if (source == null || source.getLocation() == null) {
                return Optional.empty();
            }
            return Optional.of(Path.of(source.getLocation().toURI()));
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** Starts dynalite and returns once it answers a DynamoDB request. */
    public synchronized DynaliteServer start() {
        if (process != null) {
            throw new IllegalStateException("already started");
        }
        if (dataDirectory != null) {
            try {
                Files.createDirectories(dataDirectory);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the DynamoDB directory " + dataDirectory, e);
            }
        }
        // A free port picked here can be taken before node binds it; with port 0 that is retried.
        int attempts = requestedPort == 0 ? 3 : 1;
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < attempts; attempt++) {
            int candidate = requestedPort == 0 ? freePort() : requestedPort;
            try {
                launch(candidate);
                return this;
            } catch (IllegalStateException e) {
                if (failure != null) {
                    e.addSuppressed(failure);
                }
                failure = e;
            }
        }
        throw failure;
    }

    private void launch(int candidatePort) {
        List<String> command = new ArrayList<>(List.of(node, cli.toString(),
                "--host", "127.0.0.1", "--port", Integer.toString(candidatePort),
                "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"));
        if (dataDirectory != null) {
            command.add("--path");
            command.add(dataDirectory.toAbsolutePath().toString());
        }
        Process started;
        try {
            started = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + node + " (is Node.js installed?): " + e.getMessage(), e);
        }
        OutputTail tail = OutputTail.drain(started.getInputStream());
        Thread hook = new Thread(() -> kill(started), "dynalite-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            awaitReady(started, candidatePort, tail);
        } catch (RuntimeException e) {
            kill(started);
            removeHook(hook);
            throw e;
        }
        this.process = started;
        this.port = candidatePort;
        this.shutdownHook = hook;
        this.output = tail;
    }

    private static void awaitReady(Process started, int candidatePort, OutputTail tail) {
        URI uri = URI.create("http://127.0.0.1:" + candidatePort + "/");
        // Unsigned on purpose: any DynamoDB-shaped answer (here "missing authentication token")
        // proves the server parses requests, without needing credentials.
        HttpRequest listTables = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(2))
                .header("Content-Type", "application/x-amz-json-1.0")
                .header("X-Amz-Target", "DynamoDB_20120810.ListTables")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();
        Instant deadline = Instant.now().plus(START_DEADLINE);
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
            while (true) {
                if (!started.isAlive()) {
                    throw new IllegalStateException("dynalite exited with " + started.exitValue()
                            + " before it was ready on port " + candidatePort + ":\n" + tail.text());
                }
                // Only our process prints this line, from its listen callback: an answer on the port
                // alone could come from another server that holds it (our node then dies EADDRINUSE).
                if (tail.text().contains("listening at: http://127.0.0.1:" + candidatePort)) {
                    try {
                        HttpResponse<String> response = client.send(listTables, HttpResponse.BodyHandlers.ofString());
                        if (response.body().contains("__type") || response.statusCode() == 200) {
                            return;
                        }
                    } catch (IOException e) {
                        // not accepting yet
                    }
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("dynalite not ready on port " + candidatePort
                            + " after " + START_DEADLINE + ":\n" + tail.text());
                }
                started.waitFor(20, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for dynalite", e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    public synchronized int port() {
        if (process == null) {
            throw new IllegalStateException("dynalite is not running");
        }
        return port;
    }

    /** {@code http://127.0.0.1:<port>}: the DynamoDB endpoint override. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** What dynalite printed most recently (for error messages). */
    public synchronized String output() {
        return output == null ? "" : output.text();
    }

    /** Stops dynalite and anything it started; waits until they are gone. */
    @Override
    public synchronized void close() {
        if (process == null) {
            return;
        }
        try {
            kill(process);
        } finally {
            removeHook(shutdownHook);
            process = null;
            shutdownHook = null;
        }
    }

    private static void kill(Process target) {
        List<ProcessHandle> descendants = target.descendants().toList();
        target.destroy();
        descendants.forEach(ProcessHandle::destroy);
        Instant deadline = Instant.now().plus(STOP_DEADLINE);
        try {
            if (!target.waitFor(STOP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                target.destroyForcibly();
                target.waitFor(STOP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            }
            for (ProcessHandle child : descendants) {
                long left = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
                try {
                    child.onExit().get(left, TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    child.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            target.destroyForcibly();
            descendants.forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down and runs the hook itself
        }
    }

    /** Keeps the last few KB a child printed, so a failed start can say why. */
    private static final class OutputTail {
        private final StringBuilder text = new StringBuilder();

        static OutputTail drain(InputStream in) {
            OutputTail tail = new OutputTail();
            Thread reader = new Thread(() -> tail.read(in), "dynalite-output");
            reader.setDaemon(true);
            reader.start();
            return tail;
        }

        private void read(InputStream in) {
            byte[] buffer = new byte[1024];
            try (in) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the process ended
            }
        }

        private synchronized void append(String chunk) {
            text.append(chunk);
            if (text.length() > OUTPUT_TAIL) {
                text.delete(0, text.length() - OUTPUT_TAIL);
            }
        }

        synchronized String text() {
            return text.toString();
        }
    }
}
