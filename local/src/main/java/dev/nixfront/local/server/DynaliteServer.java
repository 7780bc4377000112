package dev.nixfront.local.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * DynamoDB played by dynalite (npm {@code dynalite@4.0.0}, pinned in {@code local/package-lock.json}
 * and installed into {@code local/node_modules} by the build), run as a child process of this JVM
 * behind a SigV4 check:
 *
 * <pre>
 * node - --dynalite local/node_modules/dynalite --host 127.0.0.1 --port 45123 \
 *      --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 --path DIR/dynamodb   &lt; dynalite-guard.js
 * </pre>
 *
 * dynalite itself checks no signature, and anyone on the machine can connect to a port on
 * 127.0.0.1: the table, tokens included, would be anyone's to write. So node does not run
 * dynalite's CLI but {@code dynalite-guard.js} (a resource next to this class, handed to node on its
 * standard input, so it is never on disk for someone to swap and always matches this class), which
 * builds dynalite's server with the CLI's options and lets a request reach it only when it is SigV4
 * signed by the credentials given here: the access key id named, and the signature over the whole
 * request (body included, dated within 15 minutes) right. Anything else gets a 403
 * ({@code UnrecognizedClientException} or {@code InvalidSignatureException}). The credentials travel
 * in the child's environment ({@code /proc/<pid>/environ}, readable by this user and root only),
 * never on its command line, which every user can read.
 *
 * <p>The zero delays make CreateTable answer ACTIVE at once (otherwise a table plus the SDK waiter
 * takes ~20 s). dynalite has no transactions, no PartiQL and no TTL expiry: the adapters use none of
 * them.
 */
public final class DynaliteServer implements AutoCloseable {
    /** The guard reads the access key id it accepts from this variable of its environment. */
    static final String ACCESS_KEY_ID_VARIABLE = "NIXFRONT_DYNALITE_ACCESS_KEY_ID";
    /** ... and the secret it checks signatures with from this one. */
    static final String SECRET_ACCESS_KEY_VARIABLE = "NIXFRONT_DYNALITE_SECRET_ACCESS_KEY";
    private static final String GUARD = "dynalite-guard.js";
    private static final Duration START_DEADLINE = Duration.ofSeconds(30);
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(10);
    private static final int OUTPUT_TAIL = 4096;
    private static final String PACKAGE = "dynalite";
    // Printable ASCII but the separators of SigV4's Credential field and Authorization header.
    private static final Pattern ACCESS_KEY_ID = Pattern.compile("[\\x21-\\x7e&&[^/,=]]+");

    private final Path dataDirectory;
    private final int requestedPort;
    private final String accessKeyId;
    private final String secretAccessKey;
    private final Path dynalite;
    private final String node;
    private Process process;
    private int port;
    private Thread shutdownHook;
    private OutputTail output;

    /**
     * @param dataDirectory   where LevelDB keeps the tables, created if missing; null keeps them in memory
     * @param port            the port to bind on 127.0.0.1, or 0 for a free one
     * @param accessKeyId     the only access key id whose requests reach dynalite
     * @param secretAccessKey its secret, which the signatures are checked with
     * @param dynalite        dynalite's package directory; see {@link #locateDynalite()}
     * @param node            the node executable (a path, or a name looked up on PATH)
     */
    public DynaliteServer(Path dataDirectory, int port, String accessKeyId, String secretAccessKey, Path dynalite, String node) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, not " + port);
        }
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        if (!ACCESS_KEY_ID.matcher(accessKeyId).matches()) {
            throw new IllegalArgumentException("the access key id must be printable ASCII without spaces, '/', ',' or '='");
        }
        if (secretAccessKey.isBlank()) {
            throw new IllegalArgumentException("the secret access key must not be blank");
        }
        this.dataDirectory = dataDirectory;
        this.requestedPort = port;
        this.accessKeyId = accessKeyId;
        this.secretAccessKey = secretAccessKey;
        this.dynalite = Objects.requireNonNull(dynalite, "dynalite");
        this.node = Objects.requireNonNull(node, "node");
    }

    /** dynalite from the build's {@code local/node_modules}, run by {@code node} from PATH. */
    public static DynaliteServer of(Path dataDirectory, int port, String accessKeyId, String secretAccessKey) {
        return new DynaliteServer(dataDirectory, port, accessKeyId, secretAccessKey, locateDynalite(), "node");
    }

    /** In memory on a free port, for these credentials: what the integration tests use. */
    public static DynaliteServer inMemory(String accessKeyId, String secretAccessKey) {
        return of(null, 0, accessKeyId, secretAccessKey);
    }

    /**
     * Finds {@code node_modules/dynalite} installed by the build: next to the module this class was
     * loaded from ({@code local/target/classes} or {@code local/target/*.jar}, so
     * {@code local/node_modules}), else under the working directory or its {@code local/} folder.
     */
    public static Path locateDynalite() {
        List<Path> candidates = new ArrayList<>();
        codeLocation().ifPresent(location -> {
            // local/target/classes -> local, local/target/x.jar -> local
            Path target = location.getParent();
            Path prefix = target == null ? null : target.getParent();
            if (prefix != null) {
                candidates.add(prefix.resolve("node_modules").resolve(PACKAGE));
            }
        });
        Path cwd = Path.of("").toAbsolutePath();
        candidates.add(cwd.resolve("node_modules").resolve(PACKAGE));
        candidates.add(cwd.resolve("local").resolve("node_modules").resolve(PACKAGE));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate.resolve("index.js")) && Files.isRegularFile(candidate.resolve("package.json"))) {
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

    private static byte[] guardProgram() {
        try (InputStream in = DynaliteServer.class.getResourceAsStream(GUARD)) {
            if (in == null) {
                throw new IllegalStateException(GUARD + " is missing next to " + DynaliteServer.class.getName());
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + GUARD, e);
        }
    }

    /**
     * Starts dynalite and returns once it refuses an unsigned request and answers one signed with
     * this server's credentials.
     */
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
        byte[] program = guardProgram();
        // A free port picked here can be taken before node binds it; with port 0 that is retried.
        int attempts = requestedPort == 0 ? 3 : 1;
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < attempts; attempt++) {
            int candidate = requestedPort == 0 ? freePort() : requestedPort;
            try {
                launch(candidate, program);
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

    private void launch(int candidatePort, byte[] program) {
        // "-": the program comes on standard input. Nothing secret on this line: every user can read it.
        List<String> command = new ArrayList<>(List.of(node, "-", "--dynalite", dynalite.toAbsolutePath().toString(),
                "--host", "127.0.0.1", "--port", Integer.toString(candidatePort),
                "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"));
        if (dataDirectory != null) {
            command.add("--path");
            command.add(dataDirectory.toAbsolutePath().toString());
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(ACCESS_KEY_ID_VARIABLE, accessKeyId);
        builder.environment().put(SECRET_ACCESS_KEY_VARIABLE, secretAccessKey);
        Process started;
        try {
            started = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + node + " (is Node.js installed?): " + e.getMessage(), e);
        }
        OutputTail tail = OutputTail.drain(started.getInputStream());
        Thread hook = new Thread(() -> kill(started), "dynalite-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            try (OutputStream in = started.getOutputStream()) {
                in.write(program);
            } catch (IOException e) {
                throw new IllegalStateException("could not hand node its program on standard input: " + e.getMessage() + "\n" + tail.text(), e);
            }
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

    /**
     * Waits for the guard's "listening" line, then proves the guard stands: an unsigned ListTables
     * must get its 403 (else this is not a dynalite this class would serve a table from), and a
     * ListTables signed with the credentials must succeed.
     */
    private void awaitReady(Process started, int candidatePort, OutputTail tail) {
        URI uri = URI.create("http://127.0.0.1:" + candidatePort + "/");
        HttpRequest unsigned = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(2))
                .header("Content-Type", "application/x-amz-json-1.0")
                .header("X-Amz-Target", "DynamoDB_20120810.ListTables")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();
        Instant deadline = Instant.now().plus(START_DEADLINE);
        boolean refusesUnsigned = false;
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();
             DynamoDbClient signed = signedClient(uri)) {
            while (true) {
                if (!started.isAlive()) {
                    throw new IllegalStateException("dynalite exited with " + started.exitValue()
                            + " before it was ready on port " + candidatePort + ":\n" + tail.text());
                }
                // Only our process prints this line, from its listen callback: an answer on the port
                // alone could come from another server that holds it (our node then dies EADDRINUSE).
                if (tail.text().contains("listening at: http://127.0.0.1:" + candidatePort + "\n")) {
                    try {
                        if (!refusesUnsigned) {
                            HttpResponse<String> response = http.send(unsigned, HttpResponse.BodyHandlers.ofString());
                            if (response.statusCode() != 403 || !response.body().contains("UnrecognizedClientException")) {
                                throw new IllegalStateException("dynalite on port " + candidatePort + " answered an unsigned request with "
                                        + response.statusCode() + " instead of refusing it: not serving a table anyone here could write");
                            }
                            refusesUnsigned = true;
                        }
                        signed.listTables(b -> b.limit(1));
                        return;
                    } catch (IOException | SdkClientException e) {
                        // not accepting yet
                    } catch (AwsServiceException e) {
                        throw new IllegalStateException("dynalite on port " + candidatePort + " refused a request signed with its own credentials: "
                                + e.statusCode() + " " + e.awsErrorDetails().errorCode() + "\n" + tail.text(), e);
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

    private DynamoDbClient signedClient(URI endpoint) {
        return DynamoDbClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(1))
                        .socketTimeout(Duration.ofSeconds(5)))
                .region(Region.US_EAST_1)
                .endpointOverride(endpoint)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey)))
                // The loop above is the retry: a refusal must end the start at once.
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
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
