package dev.nixfront.local.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A TCP relay on 127.0.0.1 that makes a local stand-in as far away as an AWS service: it holds
 * the first bytes of every request for {@code delay} before passing them on, so each
 * request-response turn of an HTTP/1.1 connection costs at least that much more, as a round trip
 * to S3 or DynamoDB from Lambda does (5-30 ms). A turn is the client speaking after the server
 * did (or first on a connection); a PUT with {@code Expect: 100-continue} therefore pays twice,
 * as it does in AWS. Bytes pass unchanged, so SigV4 signatures (made for the relay's host and
 * port, which the stand-ins check as they receive them) stay valid.
 *
 * <p>Only {@code ./nixfront local --latency-ms N} puts it in front of s3proxy and dynalite; the
 * relay copies every byte once more, so without a delay the stack goes direct.
 */
public final class LatencyProxy implements AutoCloseable {
    private static final int BUFFER = 64 * 1024;

    private final InetSocketAddress target;
    private final Duration delay;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    private LatencyProxy(InetSocketAddress target, Duration delay, ServerSocket server) {
        this.target = target;
        this.delay = delay;
        this.server = server;
    }

    /**
     * Listens on a free port of 127.0.0.1 and relays every connection to {@code target} (an
     * {@code http://127.0.0.1:PORT} endpoint), each request held for {@code delay}.
     */
    public static LatencyProxy start(URI target, Duration delay) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("the delay must not be negative");
        }
        if (target.getHost() == null || target.getPort() < 0) {
            throw new IllegalArgumentException("the target needs a host and a port: " + target);
        }
        ServerSocket server;
        try {
            server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1 for the latency relay", e);
        }
        LatencyProxy proxy = new LatencyProxy(new InetSocketAddress(target.getHost(), target.getPort()), delay, server);
        proxy.threads.execute(proxy::accept);
        return proxy;
    }

    /** {@code http://127.0.0.1:<port>}: the endpoint to use instead of the target's. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    public Duration delay() {
        return delay;
    }

    private void accept() {
        while (!closed.get()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            threads.execute(() -> relay(client));
        }
    }

    private void relay(Socket client) {
        Socket upstream = new Socket();
        try (client; upstream) {
            open.add(client);
            open.add(upstream);
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            upstream.connect(target);
            // Set by the answer's first bytes, taken by the next request's: one delay per turn.
            AtomicBoolean turn = new AtomicBoolean(true);
            var answers = threads.submit(() -> pump(upstream.getInputStream(), client.getOutputStream(), client, turn, false));
            pump(client.getInputStream(), upstream.getOutputStream(), upstream, turn, true);
            answers.get();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // A peer hung up or the relay is closing: the connection ends either way.
        } finally {
            open.remove(client);
            open.remove(upstream);
        }
    }

    /** Copies until end of stream, then half-closes {@code to} so its peer sees the end too. */
    private Void pump(InputStream from, OutputStream to, Socket toSocket, AtomicBoolean turn, boolean requests)
            throws IOException, InterruptedException {
        byte[] buffer = new byte[BUFFER];
        try {
            int n;
            while ((n = from.read(buffer)) >= 0) {
                if (requests) {
                    if (turn.getAndSet(false)) {
                        Thread.sleep(delay);
                    }
                } else {
                    turn.set(true);
                }
                to.write(buffer, 0, n);
                to.flush();
            }
        } catch (SocketException e) {
            // reset or closed by the other side
        } finally {
            if (!toSocket.isClosed() && !toSocket.isOutputShutdown()) {
                try {
                    toSocket.shutdownOutput();
                } catch (IOException e) {
                    // already gone
                }
            }
        }
        return null;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket socket : open) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }
}
