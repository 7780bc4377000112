package dev.nixfront.cli.push;

import dev.nixfront.api.Upstream;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.sign.PublicKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Which paths a cache's upstreams serve with a valid signature by their keys, so that a push skips
 * them: the cache need not hold them (its closure check accepts them) and Nix substitutes them from
 * the upstream. Each upstream is asked, in order, for the paths the ones before it did not serve,
 * {@link #PARALLEL} narinfo requests at a time; answers are remembered for the run. An upstream that
 * fails (unreachable, too slow, a server error, too large an answer) is not asked again in this run,
 * with a warning: its paths are pushed, which is never wrong, only larger.
 *
 * <p>A path counts only under the server's own rules ({@code UpstreamCheck}): no redirect followed,
 * the whole answer, body included, within {@link Upstream#REQUEST_TIMEOUT}, at most {@link
 * Upstream#MAX_NARINFO_BYTES}. Judged more leniently (it followed redirects and waited 5 s a
 * request, 10 s an answer), push skipped paths of a redirecting or slow upstream that the server
 * then refused with 409, on every push (found by an outside review).
 */
final class UpstreamFilter {
    static final int PARALLEL = 32;
    static final Duration TIMEOUT = Upstream.REQUEST_TIMEOUT;
    static final int MAX_BYTES = Upstream.MAX_NARINFO_BYTES;

    private final Supplier<HttpClient> httpSupplier;
    private HttpClient http;
    private final PrintWriter warnings;
    private final Map<String, Boolean> answers = new HashMap<>();
    private final Set<String> failed = new HashSet<>();
    private final Map<StorePath, Integer> servedBy = new HashMap<>();

    /**
     * @param http builds the client on the first narinfo request: a push that asks no upstream (nothing
     *             missing, or no upstreams) never loads the CA certificates, a fifth of a warm push's run
     */
    UpstreamFilter(Supplier<HttpClient> http, PrintWriter warnings) {
        this.httpSupplier = http;
        this.warnings = warnings;
    }

    static UpstreamFilter create(PrintWriter warnings) {
        return new UpstreamFilter(() -> HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(TIMEOUT).build(),
                warnings);
    }

    /** The paths of {@code paths} one of {@code upstreams} serves, validly signed. */
    Set<StorePath> served(List<Upstream> upstreams, Collection<StorePath> paths) throws InterruptedException {
        Set<StorePath> served = new HashSet<>();
        for (int place = 1; place <= upstreams.size(); place++) {
            Upstream upstream = upstreams.get(place - 1);
            PublicKey key;
            try {
                key = PublicKey.parse(upstream.publicKey());
            } catch (NixFormatException e) {
                warn("upstream " + upstream.url() + " has a key this client cannot read (" + e.getMessage() + "): not used");
                continue;
            }
            List<StorePath> todo = paths.stream().filter(p -> !served.contains(p)).toList();
            for (int from = 0; from < todo.size() && !failed.contains(upstream.url()); from += PARALLEL) {
                List<StorePath> window = todo.subList(from, Math.min(todo.size(), from + PARALLEL));
                Map<StorePath, CompletableFuture<Boolean>> asked = new HashMap<>();
                for (StorePath p : window) {
                    Boolean known = answers.get(upstream.url() + " " + p);
                    asked.put(p, known != null ? CompletableFuture.completedFuture(known) : ask(upstream, key, p));
                }
                for (StorePath p : window) {
                    try {
                        // Each answer is bounded by its own deadline; this only guards against a lost one.
                        boolean yes = asked.get(p).get(TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
                        answers.put(upstream.url() + " " + p, yes);
                        if (yes) {
                            served.add(p);
                            servedBy.put(p, place);
                        }
                    } catch (ExecutionException | TimeoutException e) {
                        if (failed.add(upstream.url())) {
                            Throwable cause = e.getCause() == null ? e : e.getCause();
                            warn("upstream " + upstream.url() + " failed (" + cause + "): pushing what it was asked for");
                        }
                        asked.values().forEach(f -> f.cancel(true));
                        break;
                    }
                }
            }
        }
        return served;
    }

    /**
     * How many narinfo requests the server makes for a reference to {@code path} that its cache
     * lacks: the place in the list of the upstream that served it (the server asks them in order),
     * 0 for a path no upstream served here.
     */
    int lookups(StorePath path) {
        return servedBy.getOrDefault(path, 0);
    }

    private CompletableFuture<Boolean> ask(Upstream upstream, PublicKey key, StorePath path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(upstream.url().replaceAll("/+$", "") + "/" + path.hash() + ".narinfo"))
                .timeout(TIMEOUT).GET().build();
        if (http == null) {
            http = httpSupplier.get();
        }
        CompletableFuture<HttpResponse<byte[]>> sent = http.sendAsync(request, info -> limited());
        // The request's timeout covers only the headers: the deadline covers the body too, as the
        // server's does. Settled either way, the exchange itself is cancelled (its connection closed).
        CompletableFuture<Boolean> answer = sent.thenApply(response -> {
            int status = response.statusCode();
            if (status >= 500) {
                throw new IllegalStateException("HTTP " + status);
            }
            return status == 200 && signed(response.body(), key, path);
        }).orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        answer.whenComplete((yes, e) -> sent.cancel(true));
        return answer;
    }

    private static boolean signed(byte[] body, PublicKey key, StorePath path) {
        try {
            NarInfo info = NarInfo.parse(new String(body, StandardCharsets.UTF_8), path.storeDir());
            return info.storePath().equals(path) && info.verifiedBy(key);
        } catch (NixFormatException e) {
            return false;
        }
    }

    /** The body as bytes, read without blocking a thread, and refused past {@link #MAX_BYTES} without reading on. */
    private static HttpResponse.BodySubscriber<byte[]> limited() {
        HttpResponse.BodySubscriber<byte[]> bytes = HttpResponse.BodySubscribers.ofByteArray();
        return new HttpResponse.BodySubscriber<>() {
            private Flow.Subscription subscription;
            private long read;

            @Override
            public CompletionStage<byte[]> getBody() {
                return bytes.getBody();
            }

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                bytes.onSubscribe(s);
            }

            @Override
            public void onNext(List<ByteBuffer> item) {
                for (ByteBuffer b : item) {
                    read += b.remaining();
                }
                if (read > MAX_BYTES) {
                    subscription.cancel();
                    bytes.onError(new IOException("an answer of more than " + MAX_BYTES + " bytes"));
                } else {
                    bytes.onNext(item);
                }
            }

            @Override
            public void onError(Throwable e) {
                bytes.onError(e);
            }

            @Override
            public void onComplete() {
                bytes.onComplete();
            }
        };
    }

    private void warn(String text) {
        warnings.println("nixfront: warning: " + text);
        warnings.flush();
    }
}
