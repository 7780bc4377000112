package dev.nixfront.cli.push;

import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.RootsRequest;
import dev.nixfront.api.RootsResponse;
import dev.nixfront.api.Upstream;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.client.HttpClients;
import dev.nixfront.cli.client.NixfrontClient;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.TopologicalOrder;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Pushes store paths to a cache. This class plans (what the cache lacks, in which order) and runs
 * the two halves side by side: {@link Uploader} and {@link Publisher}.
 * <ol>
 *   <li>asks the local Nix for the closure and the API which of its hashes the cache lacks
 *       (one request per 10,000 hashes);</li>
 *   <li>packs each missing path (NAR, compressed, hashed; {@link NarPacker}) on up to
 *       {@code min(jobs, cores)} threads, asks for upload URLs in batches, and PUTs the files to
 *       storage with {@code jobs} transfers in flight (multipart for the NARs the server says);</li>
 *   <li>publishes the narinfo data in batches of 200, references before referrers, waiting for
 *       paths the server verifies asynchronously before publishing what references them;</li>
 *   <li>pushes the build logs Nix kept for the derivers of the paths it published ({@link LogPusher}).</li>
 * </ol>
 * Packing runs ahead of uploading by a bounded number of files, so a huge closure needs temporary
 * disk for a few batches, not for all of it.
 */
public final class Pusher {
    /**
     * What to push and how. {@code level} is -1 for the codec's default; {@code nixLogDir} is where Nix
     * keeps build logs ({@code /nix/var/log/nix}), or null to push none.
     */
    public record Options(String cache, List<String> paths, boolean closure, int jobs, Compression compression, int level,
                          Path nixLogDir) {
        public Options {
            paths = List.copyOf(paths);
            if (jobs < 1) {
                throw new IllegalArgumentException("-j must be at least 1");
            }
        }
    }

    private final NixfrontClient client;
    private final NixStore store;
    private final Progress progress;
    private final Uploader uploader;
    private final Publisher publisher;
    private final PrintWriter warnings;
    private final UpstreamFilter upstreams;
    private final Transfer transfer;

    Pusher(NixfrontClient client, Transfer transfer, NixStore store, Progress progress, Clock clock, PrintWriter warnings) {
        this(client, transfer, store, progress, clock, warnings, UpstreamFilter.create(warnings));
    }

    Pusher(NixfrontClient client, Transfer transfer, NixStore store, Progress progress, Clock clock, PrintWriter warnings,
           UpstreamFilter upstreams) {
        this.upstreams = upstreams;
        this.transfer = transfer;
        this.client = client;
        this.store = store;
        this.progress = progress;
        this.warnings = warnings;
        this.uploader = new Uploader(client, transfer, progress);
        this.publisher = new Publisher(client, clock);
    }

    /** A pusher using {@code nix} from PATH and the client's HTTP connection for uploads. */
    public static Pusher create(NixfrontClient client, HttpClients http, PrintWriter err, boolean terminal, boolean quiet) {
        return new Pusher(client, Transfer.of(http), new NixStore("nix"),
                Progress.create(err, terminal, quiet), Clock.systemUTC(), err);
    }

    public PushSummary push(Options options) throws IOException, InterruptedException, ApiException {
        long started = System.nanoTime();
        List<LocalPath> local = store.query(options.paths(), options.closure());
        List<StorePath> roots = roots(options, local);
        Set<String> missing = missing(options.cache(), local);
        // What an upstream serves, signed by its key, the cache need not hold: the server accepts
        // references to it, and Nix substitutes it from the upstream.
        // Nothing missing (a warm push): no upstream to ask, so not even the cache's list of them.
        List<StorePath> candidates = local.stream().map(LocalPath::path).filter(p -> missing.contains(p.hash().value())).toList();
        Set<StorePath> upstream = candidates.isEmpty() ? Set.of() : upstreams.served(upstreamsOf(options.cache()), candidates);
        upstream.forEach(p -> missing.remove(p.hash().value()));
        List<LocalPath> todo = TopologicalOrder.of(
                local.stream().filter(p -> missing.contains(p.path().hash().value())).toList(),
                LocalPath::path, LocalPath::references);
        long narBytes = todo.stream().mapToLong(LocalPath::narSize).sum();
        progress.planned(todo.size(), narBytes);
        long[] sizes = {0, 0};
        int logs = 0;
        if (!todo.isEmpty()) {
            Path directory = Files.createTempDirectory("nixfront-push-");
            Landed landed = new Landed();
            ExecutorService background = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("nixfront-upload").factory());
            try {
                // Publishing starts while later paths still upload: the server's verification of
                // one batch overlaps the packing and uploading of the next.
                Future<?> uploads = background.submit(() -> {
                    uploader.upload(options, todo, directory, sizes, landed);
                    return null;
                });
                publisher.publish(options.cache(), todo, landed, uploads, upstreams::lookups);
                Futures.await(uploads);
                if (options.nixLogDir() != null) {
                    logs = new LogPusher(client, transfer, new LocalLogs(options.nixLogDir()), warnings)
                            .push(options.cache(), todo, directory);
                }
            } finally {
                background.shutdownNow();
                deleteTree(directory);
            }
        }
        progress.finish();
        // An upstream's paths are not the cache's to keep: reported, they would only be "not published".
        int recorded = reportRoots(options.cache(), roots.stream().filter(r -> !upstream.contains(r)).toList());
        return new PushSummary(options.cache(), local.size(), local.size() - todo.size() - upstream.size(), upstream.size(),
                todo.size(), narBytes, sizes[0], sizes[1], options.compression().narInfoName(), (System.nanoTime() - started) / 1e9,
                recorded, logs);
    }

    /**
     * The paths as given, resolved by Nix as for the push (./result to its store path). With the
     * closure, Nix's answer does not say which paths were asked for: paths given as store paths of
     * that answer are their own roots, anything else (a symlink, a file inside a path) is asked
     * alone, a second {@code nix path-info} that a warm push of store paths does without.
     */
    private List<StorePath> roots(Options options, List<LocalPath> local) throws IOException, InterruptedException {
        if (!options.closure()) {
            return local.stream().map(LocalPath::path).distinct().toList();
        }
        Set<StorePath> closure = new HashSet<>();
        local.forEach(p -> closure.add(p.path()));
        List<StorePath> given = new ArrayList<>();
        for (String path : options.paths()) {
            StorePath parsed = storePathOrNull(path);
            if (parsed == null || !closure.contains(parsed)) {
                return store.query(options.paths(), false).stream().map(LocalPath::path).distinct().toList();
            }
            given.add(parsed);
        }
        return given.stream().distinct().toList();
    }

    private static StorePath storePathOrNull(String path) {
        try {
            return StorePath.parse(path);
        } catch (NixFormatException e) {
            return null;
        }
    }

    /** The cache's upstreams, in order; none from a server older than upstreams. */
    private List<Upstream> upstreamsOf(String cache) throws IOException, InterruptedException, ApiException {
        List<Upstream> list = client.cacheInfo(cache).upstreams();
        return list == null ? List.of() : list;
    }

    /**
     * Tells the cache which paths this push was given, at the end of every push, also one that
     * found everything there: garbage collection keeps what a root pushed within the cache's
     * retention refers to, so this is what keeps a closure in use alive. A server that does not
     * know the route (one older than garbage collection, which deletes nothing) is worth a warning,
     * not a failed push. Returns how many roots were recorded.
     */
    private int reportRoots(String cache, List<StorePath> roots) throws IOException, InterruptedException, ApiException {
        int recorded = 0;
        for (int from = 0; from < roots.size(); from += RootsRequest.MAX) {
            List<String> batch = roots.subList(from, Math.min(roots.size(), from + RootsRequest.MAX)).stream()
                    .map(StorePath::toString).toList();
            RootsResponse answer;
            try {
                answer = client.recordRoots(cache, new RootsRequest(batch));
            } catch (ApiException e) {
                if ((e.status() == 404 && e.error().field() == null) || e.status() == 405) {
                    warn("the server does not record the roots of pushes (it is older than garbage collection): " + e.getMessage());
                    return 0;
                }
                throw e;
            }
            recorded += answer.recorded().size();
            for (String path : answer.notPublished()) {
                warn("the cache has not published " + path + " (deleted meanwhile?), so it is not recorded as a root");
            }
        }
        return recorded;
    }

    private void warn(String text) {
        warnings.println("nixfront: warning: " + text);
        warnings.flush();
    }

    private Set<String> missing(String cache, List<LocalPath> local) throws IOException, InterruptedException, ApiException {
        List<String> hashes = local.stream().map(p -> p.path().hash().value()).distinct().toList();
        Set<String> missing = new HashSet<>();
        for (int from = 0; from < hashes.size(); from += MissingRequest.MAX) {
            List<String> chunk = hashes.subList(from, Math.min(hashes.size(), from + MissingRequest.MAX));
            missing.addAll(client.missing(cache, new MissingRequest(chunk)).missing());
        }
        return missing;
    }

    // Best effort: after a failure, packers still winding down may race with it, and a leftover
    // temporary file must not hide the error that ended the push.
    private static void deleteTree(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException | UncheckedIOException e) {
            // left for the OS's temporary-file cleanup
        }
    }
}
