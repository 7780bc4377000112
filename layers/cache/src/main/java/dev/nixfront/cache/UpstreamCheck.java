package dev.nixfront.cache;

import dev.nixfront.api.PublishRequest;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.UpstreamCache;
import dev.nixfront.cache.port.UpstreamClient;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Which store paths a cache's upstreams serve with a valid signature by their keys: the second half
 * of the closure rule (a reference is published in the cache or served by one of its upstreams).
 *
 * <p>Upstreams are asked in their order, each for the paths the ones before it did not serve, at
 * most {@link #PARALLEL} narinfo requests at a time, and only within {@link UpstreamSettings#checkBudget()}
 * altogether: an upstream that fails a request (unreachable, timed out, refused address, answer too
 * large) is not asked again in this check, and what it was asked counts as not served, with a warning
 * naming it and why in a fixed category of {@link UpstreamClient.Failure}. A 200 counts only if its
 * narinfo parses, names exactly the path asked for and carries a signature by the upstream's key;
 * anything else (404, 403, a bad signature) is "not served".
 *
 * <p>One publish request or verify job makes at most {@link PublishRequest#MAX_UPSTREAM_LOOKUPS}
 * narinfo requests to upstreams, all its checks together: past that, a reference is not asked and
 * counts as not served, with a warning that says so. Without the bound one publish of 200 paths of
 * 50 references each made 2,112 requests to the upstreams within its 5 s (an outside review's
 * finding): a publish was a way to make the deployment send an upstream thousands of requests.
 *
 * <p>Positive answers are remembered only within one publish request or one verify job ({@link
 * Answers}), so the look right before a narinfo is written reuses what that request's closure check
 * just learned, and nothing else does. A container-wide memory (it was an hour, shared by every cache)
 * let a "yes" outlive the path: once the upstream removed it (a nixfront cache as another's upstream
 * removes paths with {@code path rm} and garbage collection), a new downstream cache still accepted
 * references to it (found by an outside review). Negative answers are not remembered at all: the
 * client may push the path to the upstream and try again.
 */
final class UpstreamCheck {
    /** Narinfo requests in flight at once per check. */
    static final int PARALLEL = 32;

    private final UpstreamClient client;
    private final Clock clock;
    private final UpstreamSettings settings;
    private final String storeDir;

    UpstreamCheck(UpstreamClient client, Clock clock, UpstreamSettings settings, String storeDir) {
        this.client = Objects.requireNonNull(client);
        this.clock = Objects.requireNonNull(clock);
        this.settings = Objects.requireNonNull(settings);
        this.storeDir = Objects.requireNonNull(storeDir);
    }

    /**
     * The outcome of a check: the paths served, and one warning per upstream that failed (its URL
     * and why), for the answer that refuses what it did not serve.
     */
    record Outcome(Set<StorePath> served, List<String> warnings) {
        static final Outcome NONE = new Outcome(Set.of(), List.of());
    }

    /**
     * What one publish request or one verify job has learned from the upstreams: the paths they
     * served, by upstream URL and key. Made for the request or job and dropped with it.
     */
    static final class Answers {
        private final Set<String> served = new HashSet<>();
        private int lookups;

        /** How many of {@code wanted} more narinfo requests this request or job may still make. */
        synchronized int take(int wanted) {
            int granted = Math.min(wanted, PublishRequest.MAX_UPSTREAM_LOOKUPS - lookups);
            lookups += granted;
            return granted;
        }

        synchronized boolean served(UpstreamCache upstream, StorePath path) {
            return served.contains(key(upstream, path));
        }

        synchronized void serve(UpstreamCache upstream, StorePath path) {
            served.add(key(upstream, path));
        }

        private static String key(UpstreamCache upstream, StorePath path) {
            return upstream.url() + " " + upstream.key() + " " + path;
        }
    }

    /** Which of {@code paths} the cache's upstreams serve, validly signed, by the answers of this request or job and by asking. */
    Outcome served(CacheRecord cache, Collection<StorePath> paths, Answers answers) {
        if (paths.isEmpty() || cache.upstreams().isEmpty()) {
            return Outcome.NONE;
        }
        Instant deadline = clock.instant().plus(settings.checkBudget());
        Set<StorePath> served = new LinkedHashSet<>();
        List<String> warnings = new ArrayList<>();
        Set<StorePath> unasked = new HashSet<>();
        for (UpstreamCache upstream : cache.upstreams()) {
            List<StorePath> todo = new ArrayList<>();
            for (StorePath p : paths) {
                if (served.contains(p)) {
                    continue;
                }
                if (answers.served(upstream, p)) {
                    served.add(p);
                } else {
                    todo.add(p);
                }
            }
            int granted = answers.take(todo.size());
            unasked.addAll(todo.subList(granted, todo.size()));
            String failure = ask(upstream, todo.subList(0, granted), served, deadline, answers);
            if (failure != null) {
                warnings.add("upstream " + upstream.url() + " " + failure + ": its paths counted as absent");
            }
        }
        unasked.removeAll(served);
        if (!unasked.isEmpty()) {
            warnings.add(unasked.size() + " references not asked of the upstreams, counted as absent: a request makes at most "
                    + PublishRequest.MAX_UPSTREAM_LOOKUPS + " upstream narinfo requests; publish fewer paths per request");
        }
        return new Outcome(served, warnings);
    }

    /** Asks one upstream for {@code todo}, adding what it serves to {@code served}; why it stopped early, or null. */
    private String ask(UpstreamCache upstream, List<StorePath> todo, Set<StorePath> served, Instant deadline, Answers answers) {
        for (int from = 0; from < todo.size(); from += PARALLEL) {
            List<StorePath> window = todo.subList(from, Math.min(todo.size(), from + PARALLEL));
            List<CompletableFuture<UpstreamClient.Answer>> asked = new ArrayList<>();
            for (StorePath p : window) {
                asked.add(client.get(upstream.narInfo(p.hash().toString()), settings.privateAddresses(),
                        settings.requestTimeout(), UpstreamSettings.MAX_NARINFO_BYTES));
            }
            String failure = null;
            for (int i = 0; i < window.size(); i++) {
                CompletableFuture<UpstreamClient.Answer> answer = asked.get(i);
                if (failure != null) {
                    answer.cancel(true);
                    continue;
                }
                long left = Duration.between(clock.instant(), deadline).toMillis();
                try {
                    UpstreamClient.Answer a = answer.get(Math.max(0, left), TimeUnit.MILLISECONDS);
                    StorePath p = window.get(i);
                    if (a.status() == 200 && signed(a.body(), p, upstream)) {
                        served.add(p);
                        answers.serve(upstream, p);
                    }
                } catch (TimeoutException e) {
                    answer.cancel(true);
                    failure = failed(UpstreamClient.Failure.Reason.TIMED_OUT);
                } catch (ExecutionException e) {
                    failure = failed(UpstreamClient.Failure.of(e));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = "was not waited for (interrupted)";
                }
            }
            if (failure != null) {
                return failure;
            }
        }
        return null;
    }

    /**
     * Why an upstream stopped being asked, in the client's fixed words: never its own text, nor the
     * addresses its name resolved to, which the 409 would hand to whoever published.
     */
    private static String failed(UpstreamClient.Failure.Reason reason) {
        return "failed (" + reason.text() + ")";
    }

    private boolean signed(String body, StorePath path, UpstreamCache upstream) {
        try {
            NarInfo info = NarInfo.parse(body, storeDir);
            return info.storePath().equals(path) && info.verifiedBy(upstream.key());
        } catch (NixFormatException | RuntimeException e) {
            return false;
        }
    }
}
