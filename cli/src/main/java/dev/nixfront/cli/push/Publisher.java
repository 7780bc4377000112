package dev.nixfront.cli.push;

import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PathStatus;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResponse;
import dev.nixfront.api.PublishResult;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.client.NixfrontClient;
import dev.nixfront.nix.StorePath;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.ToIntFunction;

/**
 * Publishes the pushed paths' narinfo data in batches of up to {@value PublishRequest#MAX},
 * references before referrers, as their uploads land; waits for paths the server verifies
 * asynchronously before publishing what references them.
 */
final class Publisher {
    private static final int MIN_PUBLISH_BATCH = 50;

    private final NixfrontClient client;
    private final Clock clock;

    Publisher(NixfrontClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /**
     * Publishes in topological order, in batches of consecutive paths whose upload has landed
     * (up to 200, at least {@link #MIN_PUBLISH_BATCH} unless uploads are over or slow), each within
     * the server's bound on upstream lookups ({@link #withinUpstreamLookups}; {@code lookups} says
     * what a reference costs the server).
     */
    void publish(String cache, List<LocalPath> ordered, Landed landed, Future<?> uploads, ToIntFunction<StorePath> lookups)
            throws IOException, InterruptedException, ApiException {
        Set<String> verifying = new HashSet<>();
        int from = 0;
        while (from < ordered.size()) {
            int ready = landed.await(ordered, from, Math.min(MIN_PUBLISH_BATCH, ordered.size() - from), PublishRequest.MAX, uploads);
            if (ready == 0) {
                Futures.await(uploads);
                throw new IOException("uploads ended before " + ordered.get(from).path() + " was uploaded");
            }
            int end = from + withinUpstreamLookups(ordered.subList(from, from + ready), lookups);
            List<LocalPath> batch = ordered.subList(from, end);
            from = end;
            Set<String> needed = new HashSet<>();
            batch.forEach(p -> p.references().forEach(r -> needed.add(r.toString())));
            needed.retainAll(verifying);
            awaitPublished(cache, needed, verifying);
            List<PathInfo> infos = batch.stream().map(p -> pathInfo(p, landed.get(p.path().toString()))).toList();
            PublishResponse response = publishRetryingVerifying(cache, infos, verifying);
            for (PublishResult result : response.results()) {
                if ("verifying".equals(result.state())) {
                    verifying.add(result.storePath());
                }
            }
        }
        awaitPublished(cache, new HashSet<>(verifying), verifying);
    }

    /**
     * How many of the first paths of {@code batch} one request may carry: the server makes at most
     * {@link PublishRequest#MAX_UPSTREAM_LOOKUPS} narinfo requests to the cache's upstreams per
     * publish and counts a reference past them as absent, and each distinct reference outside the
     * batch that an upstream serves costs it {@code lookups} of them. At least one path.
     */
    static int withinUpstreamLookups(List<LocalPath> batch, ToIntFunction<StorePath> lookups) {
        Set<StorePath> inBatch = new HashSet<>();
        Set<StorePath> counted = new HashSet<>();
        int cost = 0;
        for (int i = 0; i < batch.size(); i++) {
            LocalPath path = batch.get(i);
            Set<StorePath> fresh = new HashSet<>();
            int more = 0;
            for (StorePath ref : path.references()) {
                int c = lookups.applyAsInt(ref);
                if (c > 0 && !inBatch.contains(ref) && !counted.contains(ref) && fresh.add(ref)) {
                    more += c;
                }
            }
            if (i > 0 && cost + more > PublishRequest.MAX_UPSTREAM_LOOKUPS) {
                return i;
            }
            cost += more;
            counted.addAll(fresh);
            inBatch.add(path.path());
        }
        return batch.size();
    }

    /** A 409 naming only paths the server is still verifying is not a conflict: wait and retry. */
    private PublishResponse publishRetryingVerifying(String cache, List<PathInfo> infos, Set<String> verifying)
            throws IOException, InterruptedException, ApiException {
        while (true) {
            try {
                return client.publish(cache, new PublishRequest(infos));
            } catch (ApiException e) {
                if (e.status() != 409 || e.missing().isEmpty()) {
                    throw e;
                }
                Set<String> waitFor = new HashSet<>();
                for (String missing : e.missing()) {
                    String full = missing.startsWith("/") ? missing : StorePath.DEFAULT_STORE_DIR + "/" + missing;
                    if (!verifying.contains(full)) {
                        throw e;
                    }
                    waitFor.add(full);
                }
                awaitPublished(cache, waitFor, verifying);
            }
        }
    }

    private void awaitPublished(String cache, Set<String> paths, Set<String> verifying)
            throws IOException, InterruptedException, ApiException {
        Instant deadline = clock.instant().plus(VerifyPoll.DEADLINE);
        for (String path : paths) {
            String hash = path.substring(path.lastIndexOf('/') + 1, path.lastIndexOf('/') + 33);
            PathStatus status = VerifyPoll.settled(client, cache, hash, deadline, clock);
            if (!"published".equals(status.state())) {
                throw new IOException("the cache refused " + path + ": " + status.state()
                        + (status.reason() == null ? "" : " (" + status.reason() + ")"));
            }
            verifying.remove(path);
        }
    }

    private static PathInfo pathInfo(LocalPath path, PackedNar nar) {
        return new PathInfo(path.path().toString(), path.narHash().toString(), path.narSize(),
                nar.fileHash().toString(), nar.fileSize(), nar.compression().narInfoName(),
                path.references().stream().map(StorePath::baseName).sorted().toList(),
                path.deriverPath().map(StorePath::baseName).orElse(null), path.contentAddress().orElse(null));
    }
}
