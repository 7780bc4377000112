package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.UpstreamClient;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Upstream caches in memory: a narinfo text per URL, 404 otherwise; hosts marked down refuse connections. */
public final class MemoryUpstream implements UpstreamClient {
    private final Map<URI, String> served = new ConcurrentHashMap<>();
    private final Map<String, Boolean> down = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final Map<URI, Runnable> hooks = new ConcurrentHashMap<>();

    public void serve(URI url, String narInfo) {
        served.put(url, narInfo);
    }

    /** The upstream no longer serves it (a nixfront upstream's {@code path rm} or garbage collection). */
    public void remove(URI url) {
        served.remove(url);
    }

    /** Runs {@code action} the next time {@code url} is asked for, before answering. */
    public void whenAsked(URI url, Runnable action) {
        hooks.put(url, action);
    }

    public void down(String host) {
        down.put(host, true);
    }

    public int requests() {
        return requests.get();
    }

    @Override
    public CompletableFuture<Answer> get(URI url, boolean privateAddresses, Duration timeout, int maxBytes) {
        requests.incrementAndGet();
        Runnable hook = hooks.remove(url);
        if (hook != null) {
            hook.run();
        }
        if (down.containsKey(url.getHost())) {
            return CompletableFuture.failedFuture(new Failure(Failure.Reason.CONNECTION_FAILED));
        }
        String body = served.get(url);
        return CompletableFuture.completedFuture(body == null ? new Answer(404, null) : new Answer(200, body));
    }
}
