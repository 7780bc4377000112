package dev.nixfront.cli.push;

import dev.nixfront.api.Upstream;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.sign.PublicKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Which paths a cache's upstreams serve with a valid signature by their keys, so that a push skips
 * them: the cache need not hold them (its closure check accepts them) and Nix substitutes them from
 * the upstream. Each upstream is asked, in order, for the paths the ones before it did not serve,
 * {@link #PARALLEL} narinfo requests at a time; answers are remembered for the run. An upstream that
 * fails (unreachable, too slow, a server error) is not asked again in this run, with a warning: its
 * paths are pushed, which is never wrong, only larger.
 */
final class UpstreamFilter {
    static final int PARALLEL = 32;
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** A narinfo's references may hold 200,000 bytes; anything larger is not one we would accept. */
    static final int MAX_BYTES = 256 * 1024;

    private final HttpClient http;
    private final PrintWriter warnings;
    private final Map<String, Boolean> answers = new HashMap<>();
    private final Set<String> failed = new HashSet<>();
    private final Map<StorePath, Integer> servedBy = new HashMap<>();

    UpstreamFilter(HttpClient http, PrintWriter warnings) {
        this.http = http;
        this.warnings = warnings;
    }

    static UpstreamFilter create(PrintWriter warnings) {
        return new UpstreamFilter(HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(TIMEOUT).build(),
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
                        boolean yes = asked.get(p).get(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
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
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()).thenApply(response -> {
            try (InputStream body = response.body()) {
                int status = response.statusCode();
                if (status >= 500) {
                    throw new IllegalStateException("HTTP " + status);
                }
                if (status != 200) {
                    return false;
                }
                byte[] bytes = body.readNBytes(MAX_BYTES + 1);
                if (bytes.length > MAX_BYTES) {
                    return false;
                }
                NarInfo info = NarInfo.parse(new String(bytes, StandardCharsets.UTF_8), path.storeDir());
                return info.storePath().equals(path) && info.verifiedBy(key);
            } catch (NixFormatException e) {
                return false;
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
    }

    private void warn(String text) {
        warnings.println("nixfront: warning: " + text);
        warnings.flush();
    }
}
