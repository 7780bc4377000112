package dev.nixfront.aws;

import dev.nixfront.cache.UpstreamSettings;
import dev.nixfront.cache.port.UpstreamClient;
import dev.nixfront.cache.port.UpstreamClient.Failure;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Narinfo requests to upstream caches with the JDK's HTTP client, one per container: HTTP/2 where
 * the upstream speaks it (cache.nixos.org does, so a check's parallel requests share a connection),
 * no redirects followed (a redirect counts as not serving the path: following one would let an
 * upstream send the function anywhere).
 *
 * <p>Every request is bounded end to end by its timeout, name resolution, connection, headers and
 * body alike, and nothing an upstream does holds a thread: the body is taken by a non-blocking
 * subscriber that stops at the size bound, a timer of the client's own fails the answer at the
 * deadline, and an answer that completes for any reason (the deadline, the caller cancelling it, too
 * large a body) cancels the exchange itself and its body's subscription, which closes the
 * connection. The answer is completed on the HTTP client's threads or the timer's, never on the
 * common fork-join pool, whose few threads the whole container shares: a worker blocked reading a
 * stalled body made the pool add threads, one per request, and once its 256 spares were taken every
 * upstream check of every cache timed out (found by an outside review, as were the sockets left open).
 *
 * <p>Unless private addresses are allowed, the host is resolved first and refused if any of its
 * addresses is loopback, link-local, private or reserved ({@link UpstreamSettings#isPublic}), on a
 * bounded pool of resolver threads with one lookup per host at a time (a name whose DNS never
 * answers holds one thread until the system resolver gives up, however many requests wait for it).
 * The client then resolves it again to connect, so a name whose DNS answer changes in between (DNS
 * rebinding) could still slip through once; it would reach an address of the function's own
 * network, which in Lambda outside a VPC holds nothing but the runtime API, and its answer is only
 * ever parsed as a narinfo and never returned to the caller.
 */
public final class HttpUpstreamClient implements UpstreamClient {
    /** The most names resolved at once; a request that finds them all busy fails at once. */
    private static final int RESOLVERS = 32;

    private final HttpClient http;
    private final ThreadPoolExecutor resolver;
    private final ScheduledExecutorService deadlines;
    private final Map<String, CompletableFuture<Boolean>> resolving = new ConcurrentHashMap<>();

    public HttpUpstreamClient() {
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(3))
                .build();
        this.resolver = new ThreadPoolExecutor(0, RESOLVERS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                daemon("nixfront-upstream-resolver"));
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemon("nixfront-upstream-deadline"));
        // Most requests end well before their deadline: their timers must not pile up in the queue.
        timer.setRemoveOnCancelPolicy(true);
        this.deadlines = timer;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public CompletableFuture<Answer> get(URI url, boolean privateAddresses, Duration timeout, int maxBytes) {
        Request request = new Request(url, timeout, maxBytes);
        if (privateAddresses) {
            request.send();
        } else {
            publicHost(url.getHost()).whenComplete((allowed, e) -> {
                if (e != null) {
                    request.fail(e);
                } else if (!allowed) {
                    request.fail(new Failure(Failure.Reason.ADDRESS_NOT_ALLOWED));
                } else {
                    request.send();
                }
            });
        }
        return request.answer;
    }

    /** Whether every address of {@code host} is public: one lookup per host at a time, on the resolver pool. */
    private CompletableFuture<Boolean> publicHost(String host) {
        CompletableFuture<Boolean> mine = new CompletableFuture<>();
        CompletableFuture<Boolean> running = resolving.putIfAbsent(host, mine);
        if (running != null) {
            return running;
        }
        try {
            resolver.execute(() -> {
                try {
                    boolean allowed = true;
                    for (InetAddress address : InetAddress.getAllByName(host)) {
                        allowed &= UpstreamSettings.isPublic(address);
                    }
                    resolving.remove(host, mine);
                    mine.complete(allowed);
                } catch (UnknownHostException | RuntimeException e) {
                    resolving.remove(host, mine);
                    mine.completeExceptionally(new Failure(Failure.Reason.CONNECTION_FAILED));
                }
            });
        } catch (RejectedExecutionException e) {
            resolving.remove(host, mine);
            mine.completeExceptionally(new Failure(Failure.Reason.CONNECTION_FAILED));
        }
        return mine;
    }

    /**
     * What the caller is told of a failure: a fixed reason, never the exception's text, which may
     * quote the upstream ("Invalid status line: ..." holds whatever it sent) or tell an open port
     * from a closed one by its wording.
     */
    static Failure failure(Throwable e) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof Failure f) {
            return f;
        }
        if (t instanceof HttpTimeoutException || t instanceof SocketTimeoutException) {
            return new Failure(Failure.Reason.TIMED_OUT);
        }
        if (t instanceof ProtocolException) {
            return new Failure(Failure.Reason.NOT_HTTP);
        }
        return new Failure(Failure.Reason.CONNECTION_FAILED);
    }

    /** One request: its answer, its deadline, and what to cancel when the answer is settled. */
    private final class Request {
        final CompletableFuture<Answer> answer = new CompletableFuture<>();
        final URI url;
        final int maxBytes;
        final long deadline;
        final AtomicReference<CompletableFuture<?>> exchange = new AtomicReference<>();
        final AtomicReference<Body> body = new AtomicReference<>();

        Request(URI url, Duration timeout, int maxBytes) {
            this.url = url;
            this.maxBytes = maxBytes;
            this.deadline = System.nanoTime() + timeout.toNanos();
            ScheduledFuture<?> timer = deadlines.schedule(() -> fail(new Failure(Failure.Reason.TIMED_OUT)),
                    timeout.toNanos(), TimeUnit.NANOSECONDS);
            answer.whenComplete((a, e) -> {
                timer.cancel(false);
                abandon();
            });
        }

        void send() {
            long left = deadline - System.nanoTime();
            if (answer.isDone() || left <= 0) {
                fail(new Failure(Failure.Reason.TIMED_OUT));
                return;
            }
            HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofNanos(left)).header("Accept", "text/x-nix-narinfo")
                    .GET().build();
            CompletableFuture<HttpResponse<Void>> sent = http.sendAsync(request, info -> {
                Body b = new Body(this, info.statusCode());
                body.set(b);
                return b;
            });
            exchange.set(sent);
            // Only failures before the body come this way (the answer is the body's): the JDK
            // completes it on the common pool, where nothing but this bookkeeping runs.
            sent.whenComplete((r, e) -> {
                if (e != null) {
                    fail(e);
                }
            });
            if (answer.isDone()) {
                abandon();
            }
        }

        void fail(Throwable e) {
            answer.completeExceptionally(failure(e));
        }

        /** Cancels the exchange (the JDK then aborts it) and the body's subscription; either closes the connection. */
        void abandon() {
            Body b = body.get();
            if (b != null) {
                b.cancel();
            }
            CompletableFuture<?> sent = exchange.get();
            if (sent != null && !sent.isDone()) {
                sent.cancel(true);
            }
        }
    }

    /**
     * A response body read without blocking, up to the request's bound: a 200 is the answer's text,
     * the body of any other status is read and dropped (so that the connection can serve the next
     * request); past the bound, a 200 fails and another status is answered without its body.
     */
    private static final class Body implements HttpResponse.BodySubscriber<Void> {
        private final Request request;
        private final int status;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
        private long read;

        Body(Request request, int status) {
            this.request = request;
            this.status = status;
        }

        @Override
        public CompletionStage<Void> getBody() {
            return done;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription.set(s);
            if (request.answer.isDone()) {
                s.cancel();
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                int n = buffer.remaining();
                read += n;
                if (read > request.maxBytes) {
                    cancel();
                    done.complete(null);
                    if (status == 200) {
                        request.fail(new Failure(Failure.Reason.TOO_LARGE));
                    } else {
                        request.answer.complete(new Answer(status, ""));
                    }
                    return;
                }
                if (status == 200) {
                    byte[] chunk = new byte[n];
                    buffer.get(chunk);
                    bytes.write(chunk, 0, n);
                }
            }
            Flow.Subscription s = subscription.get();
            if (s != null && !request.answer.isDone()) {
                s.request(1);
            }
        }

        @Override
        public void onError(Throwable e) {
            done.completeExceptionally(e);
            request.fail(e);
        }

        @Override
        public void onComplete() {
            done.complete(null);
            request.answer.complete(new Answer(status, status == 200 ? bytes.toString(StandardCharsets.UTF_8) : ""));
        }

        void cancel() {
            Flow.Subscription s = subscription.get();
            if (s != null) {
                s.cancel();
            }
        }
    }
}
