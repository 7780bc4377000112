package dev.nixfront.local.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * S3 played by s3proxy inside this JVM, storing objects as plain files under a directory, so data
 * survives restarts. Requests must carry a SigV4 (or V2) signature made with the given credentials,
 * which keeps presigned-URL checks (expiry, signed length and checksum) as strict as in AWS.
 */
public final class S3ProxyServer implements AutoCloseable {
    private static final Duration START_DEADLINE = Duration.ofSeconds(30);

    private final Path directory;
    private final String accessKeyId;
    private final String secretAccessKey;
    private final int requestedPort;
    private BlobStore blobStore;
    private S3Proxy proxy;

    /**
     * @param directory where buckets live (one subdirectory each); created if missing
     * @param port      the port to bind on 127.0.0.1, or 0 for any free port
     */
    public S3ProxyServer(Path directory, String accessKeyId, String secretAccessKey, int port) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.accessKeyId = Objects.requireNonNull(accessKeyId, "accessKeyId");
        this.secretAccessKey = Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, not " + port);
        }
        this.requestedPort = port;
    }

    /** Starts the server and returns once it accepts requests. */
    public synchronized S3ProxyServer start() {
        if (proxy != null) {
            throw new IllegalStateException("already started");
        }
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the S3 directory " + directory, e);
        }
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", directory.toAbsolutePath().toString());
        BlobStore store = BlobStores.create("filesystem", properties);
        S3Proxy server = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:" + requestedPort))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKeyId, secretAccessKey)
                .build();
        try {
            server.start();
            awaitStarted(server);
        } catch (Exception e) {
            stopQuietly(server, e);
            store.close();
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("s3proxy did not start on 127.0.0.1:" + requestedPort + ": " + e.getMessage(), e);
        }
        this.blobStore = store;
        this.proxy = server;
        return this;
    }

    private static void awaitStarted(S3Proxy server) throws InterruptedException {
        Instant deadline = Instant.now().plus(START_DEADLINE);
        while (!"STARTED".equals(server.getState())) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("s3proxy still " + server.getState() + " after " + START_DEADLINE);
            }
            // Jetty's start() normally returns started; this only covers a slow connector.
            Thread.sleep(5);
        }
    }

    /** The bound port (the real one when started with port 0). */
    public synchronized int port() {
        return running().getPort();
    }

    /** {@code http://127.0.0.1:<port>}: what SDK clients and presigned URLs point at. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port());
    }

    public String accessKeyId() {
        return accessKeyId;
    }

    public String secretAccessKey() {
        return secretAccessKey;
    }

    /** Creates a bucket unless it exists; true if it was created. */
    public synchronized boolean createBucket(String name) {
        running();
        if (blobStore.containerExists(name)) {
            return false;
        }
        blobStore.createContainer(name);
        return true;
    }

    private S3Proxy running() {
        if (proxy == null) {
            throw new IllegalStateException("s3proxy is not running");
        }
        return proxy;
    }

    @Override
    public synchronized void close() {
        if (proxy == null) {
            return;
        }
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy did not stop cleanly", e);
        } finally {
            blobStore.close();
            proxy = null;
            blobStore = null;
        }
    }

    private static void stopQuietly(S3Proxy server, Exception cause) {
        try {
            server.stop();
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
    }
}
