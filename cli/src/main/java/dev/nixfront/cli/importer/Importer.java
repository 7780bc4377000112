package dev.nixfront.cli.importer;

import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PathStatus;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResponse;
import dev.nixfront.api.PublishResult;
import dev.nixfront.api.RootsRequest;
import dev.nixfront.api.RootsResponse;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.client.HttpClients;
import dev.nixfront.cli.client.NixfrontClient;
import dev.nixfront.cli.push.Futures;
import dev.nixfront.cli.push.VerifyPoll;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import dev.nixfront.nix.TopologicalOrder;
import dev.nixfront.nix.sign.PublicKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Copies a binary cache into a nixfront cache without a Nix store, in four steps:
 * <ol>
 *   <li>finds the paths: every narinfo of a listable source, or those reachable from the roots
 *       through {@code References}; each narinfo must carry a valid signature by one of the
 *       source keys;</li>
 *   <li>asks the cache which it lacks (so a re-run after an interruption continues where it was);</li>
 *   <li>in topological order and in chunks of {@value PublishRequest#MAX}: fetches each NAR file,
 *       checks it against the narinfo ({@link NarVerifier}), uploads it ({@link NarSender}) with up
 *       to {@code jobs} paths in flight, then publishes the chunk, references before referrers;</li>
 *   <li>records the roots (or, for a listed source, the paths nothing imported refers to) so that
 *       garbage collection keeps the imported closures.</li>
 * </ol>
 * A path that fails a check is refused and reported, and so is every path referring to it: the
 * cache never holds a path without its closure. The server verifies each NAR again and signs the
 * narinfo with the cache's own key.
 */
public final class Importer {
    private static final int NARINFO_FETCHES = 16;

    /** What to import and how: {@code roots} (store hashes of the paths to start from) null to list the source. */
    public record Options(String cache, List<PublicKey> keys, List<StorePathHash> roots, int jobs) {
        public Options {
            keys = List.copyOf(keys);
            roots = roots == null ? null : List.copyOf(roots);
            if (keys.isEmpty()) {
                throw new IllegalArgumentException("give the source's public key with --source-key NAME:BASE64");
            }
            if (jobs < 1) {
                throw new IllegalArgumentException("-j must be at least 1");
            }
        }
    }

    /** One store path of the source as the import knows it. */
    private static final class Entry {
        final StorePathHash hash;
        StorePath path;
        NarInfo info;
        String problem;

        Entry(StorePathHash hash, StorePath path) {
            this.hash = hash;
            this.path = path;
        }

        String name() {
            // A root given by hash whose narinfo is missing or unreadable has no name to show.
            return path != null ? path.toString() : hash.value() + ".narinfo";
        }
    }

    private record Outcome(Entry entry, StagedNar nar, boolean uploaded, Refused refused) {
    }

    private final NixfrontClient client;
    private final HttpClients http;
    private final PrintWriter err;
    private final boolean quiet;
    private final List<ImportSummary.RefusedPath> refused = new ArrayList<>();
    private final Set<StorePathHash> bad = new HashSet<>();

    public Importer(NixfrontClient client, HttpClients http, PrintWriter err, boolean quiet) {
        this.client = client;
        this.http = http;
        this.err = err;
        this.quiet = quiet;
    }

    /** Imports from {@code source}, a {@code file://} directory or an {@code http(s)://} cache URL. */
    public ImportSummary run(String source, Options options) throws IOException, InterruptedException, ApiException {
        long started = System.nanoTime();
        Source from = open(source);
        checkStoreDir(from);
        Map<StorePathHash, Entry> entries = discover(from, options);
        Set<StorePathHash> inCache = present(options.cache(), entries.keySet());
        List<Entry> candidates = new ArrayList<>();
        for (Entry entry : entries.values()) {
            if (inCache.contains(entry.hash)) {
                continue;
            }
            if (entry.problem != null) {
                refuse(entry, entry.problem);
            } else {
                candidates.add(entry);
            }
        }
        List<Entry> ordered = TopologicalOrder.partial(candidates, e -> e.path, e -> e.info.references());
        if (ordered.size() != candidates.size()) {
            Set<Entry> orderable = new HashSet<>(ordered);
            candidates.stream().filter(e -> !orderable.contains(e)).forEach(e -> refuse(e, "on a reference cycle, or refers to one"));
        }
        int alreadyThere = (int) entries.keySet().stream().filter(inCache::contains).count();
        progress("importing " + ordered.size() + " of " + entries.size() + " paths from " + from.describe()
                + " (" + alreadyThere + " already in " + options.cache() + ", " + refused.size() + " refused)");
        Set<StorePathHash> published = new HashSet<>();
        long[] uploaded = {0};
        if (!ordered.isEmpty()) {
            Path directory = Files.createTempDirectory("nixfront-import-");
            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            try {
                NarVerifier verifier = new NarVerifier(directory);
                NarSender sender = new NarSender(client, http, options.cache());
                Semaphore jobs = new Semaphore(options.jobs());
                for (int start = 0; start < ordered.size(); start += PublishRequest.MAX) {
                    List<Entry> chunk = ordered.subList(start, Math.min(ordered.size(), start + PublishRequest.MAX));
                    importChunk(options.cache(), from, chunk, verifier, sender, pool, jobs, published, uploaded);
                    progress("imported " + published.size() + " of " + ordered.size() + " paths (" + refused.size() + " refused)");
                }
            } finally {
                pool.shutdownNow();
                deleteTree(directory);
            }
        }
        int roots = recordRoots(options, entries, inCache, published);
        refused.sort(Comparator.comparing(ImportSummary.RefusedPath::storePath));
        return new ImportSummary(from.describe(), options.cache(), entries.size(), alreadyThere, published.size(), refused,
                uploaded[0], (System.nanoTime() - started) / 1e9, roots);
    }

    private Source open(String source) throws IOException {
        String text = source.strip();
        if (text.startsWith("file://")) {
            // nix copy's store URLs carry settings (?compression=xz): they say nothing about reading.
            int query = text.indexOf('?');
            return new FileSource(Path.of(text.substring("file://".length(), query < 0 ? text.length() : query)));
        }
        if (text.startsWith("http://") || text.startsWith("https://")) {
            URI uri = URI.create(text);
            return new HttpSource(uri, http::forUri);
        }
        if (text.startsWith("s3://")) {
            throw new IllegalArgumentException("s3:// sources are not read directly: import a bucket readable over HTTPS by its "
                    + "https:// URL (e.g. https://BUCKET.s3.REGION.amazonaws.com) with --roots; a private bucket is not supported");
        }
        throw new IllegalArgumentException("SOURCE must be a file:// directory or an http(s):// binary cache, got " + source);
    }

    private static void checkStoreDir(Source source) throws IOException, InterruptedException {
        Optional<String> info = source.cacheInfo();
        if (info.isEmpty()) {
            return;
        }
        for (String line : info.get().split("\n")) {
            if (line.startsWith("StoreDir:")) {
                String dir = line.substring("StoreDir:".length()).strip();
                if (!dir.equals(StorePath.DEFAULT_STORE_DIR)) {
                    throw new IOException(source.describe() + " holds paths of the store " + dir + "; nixfront caches hold "
                            + StorePath.DEFAULT_STORE_DIR + " paths only");
                }
            }
        }
    }

    /**
     * Reads the narinfos, level by level from the roots (or the listing) through their
     * references, {@value #NARINFO_FETCHES} at a time. A reference the source lacks is kept as an
     * entry with a problem: the cache may have it already.
     */
    private Map<StorePathHash, Entry> discover(Source source, Options options) throws IOException, InterruptedException, ApiException {
        Map<StorePathHash, Entry> entries = new LinkedHashMap<>();
        List<Entry> frontier = new ArrayList<>();
        if (options.roots() != null) {
            for (StorePathHash root : options.roots()) {
                if (!entries.containsKey(root)) {
                    Entry entry = new Entry(root, null);
                    entries.put(root, entry);
                    frontier.add(entry);
                }
            }
        } else {
            List<StorePathHash> listed = source.list().orElseThrow(() -> new IllegalArgumentException(source.describe()
                    + " cannot be listed (the binary cache protocol has no listing): give the store paths to start from with --roots FILE"));
            for (StorePathHash hash : listed) {
                Entry entry = new Entry(hash, null);
                entries.put(hash, entry);
                frontier.add(entry);
            }
        }
        Semaphore fetches = new Semaphore(NARINFO_FETCHES);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            while (!frontier.isEmpty()) {
                progress("reading " + frontier.size() + " narinfos (" + entries.size() + " paths found)");
                Map<Entry, Future<Optional<byte[]>>> fetched = new LinkedHashMap<>();
                for (Entry entry : frontier) {
                    fetched.put(entry, pool.submit(() -> {
                        fetches.acquire();
                        try {
                            return source.narinfo(entry.hash);
                        } finally {
                            fetches.release();
                        }
                    }));
                }
                List<Entry> next = new ArrayList<>();
                for (Map.Entry<Entry, Future<Optional<byte[]>>> each : fetched.entrySet()) {
                    Entry entry = each.getKey();
                    Optional<byte[]> bytes = Futures.await(each.getValue());
                    if (bytes.isEmpty()) {
                        entry.problem = "not in the source";
                        continue;
                    }
                    read(entry, bytes.get(), options.keys());
                    if (entry.problem != null) {
                        continue; // an unverified narinfo's references are not worth following
                    }
                    for (StorePath reference : entry.info.references()) {
                        if (!entries.containsKey(reference.hash())) {
                            Entry added = new Entry(reference.hash(), reference);
                            entries.put(reference.hash(), added);
                            next.add(added);
                        }
                    }
                }
                frontier = next;
            }
        }
        return entries;
    }

    /** Parses and checks one narinfo; sets the entry's problem when it cannot be imported. */
    private static void read(Entry entry, byte[] bytes, List<PublicKey> keys) {
        NarInfo info;
        try {
            info = NarInfo.parse(bytes, StorePath.DEFAULT_STORE_DIR);
        } catch (NixFormatException | IllegalArgumentException e) {
            entry.problem = "unreadable narinfo: " + e.getMessage();
            return;
        }
        if (!info.storePath().hash().equals(entry.hash)) {
            entry.problem = entry.hash.value() + ".narinfo describes another path, " + info.storePath();
            return;
        }
        if (entry.path != null && !entry.path.equals(info.storePath())) {
            entry.problem = "the narinfo names " + info.storePath() + ", not " + entry.path;
            return;
        }
        entry.path = info.storePath();
        entry.info = info;
        if (keys.stream().noneMatch(info::verifiedBy)) {
            String signers = info.sigs().isEmpty() ? "it is unsigned"
                    : "it is signed by " + info.sigs().stream().map(s -> s.keyName()).distinct().collect(Collectors.joining(", "));
            entry.problem = "no valid signature by " + keys.stream().map(PublicKey::name).collect(Collectors.joining(" or ")) + " (" + signers + ")";
            return;
        }
        try {
            NarVerifier.checkReadable(info.compression());
        } catch (Refused e) {
            entry.problem = e.getMessage();
        }
    }

    private Set<StorePathHash> present(String cache, Set<StorePathHash> hashes) throws IOException, InterruptedException, ApiException {
        List<String> all = hashes.stream().map(StorePathHash::value).toList();
        Set<String> missing = new HashSet<>();
        for (int from = 0; from < all.size(); from += MissingRequest.MAX) {
            missing.addAll(client.missing(cache, new MissingRequest(all.subList(from, Math.min(all.size(), from + MissingRequest.MAX)))).missing());
        }
        return hashes.stream().filter(h -> !missing.contains(h.value())).collect(Collectors.toSet());
    }

    private void importChunk(String cache, Source source, List<Entry> chunk, NarVerifier verifier, NarSender sender, ExecutorService pool,
                             Semaphore jobs, Set<StorePathHash> published, long[] uploaded) throws IOException, InterruptedException, ApiException {
        Map<Entry, Future<Outcome>> running = new LinkedHashMap<>();
        for (Entry entry : chunk) {
            Optional<String> blocked = blockedBy(entry);
            if (blocked.isPresent()) {
                refuse(entry, blocked.get());
                continue;
            }
            running.put(entry, pool.submit(() -> {
                jobs.acquire();
                try {
                    return transfer(source, entry, verifier, sender);
                } finally {
                    jobs.release();
                }
            }));
        }
        List<Outcome> ready = new ArrayList<>();
        try {
            for (Map.Entry<Entry, Future<Outcome>> each : running.entrySet()) {
                Outcome outcome = Futures.await(each.getValue());
                if (outcome.nar() != null) {
                    ready.add(outcome);
                    uploaded[0] += outcome.uploaded() ? outcome.nar().fileSize() : 0;
                } else {
                    refuse(each.getKey(), outcome.refused().getMessage());
                }
            }
            publish(cache, ready, published);
        } finally {
            for (Future<Outcome> future : running.values()) {
                if (future.isDone() && future.state() == Future.State.SUCCESS && future.resultNow().nar() != null) {
                    Files.deleteIfExists(future.resultNow().nar().file());
                }
            }
        }
    }

    /** Fetches, verifies and uploads one path's NAR; a failure of the source or the checks refuses it. */
    private static Outcome transfer(Source source, Entry entry, NarVerifier verifier, NarSender sender)
            throws IOException, InterruptedException, ApiException {
        StagedNar nar;
        try {
            InputStream in;
            try {
                in = source.open(entry.info.url());
            } catch (IOException e) {
                throw new Refused("cannot fetch " + entry.info.url() + ": " + e.getMessage(), e);
            }
            nar = verifier.stage(entry.info, in);
        } catch (Refused e) {
            return new Outcome(entry, null, false, e);
        } catch (IOException e) {
            return new Outcome(entry, null, false, new Refused("cannot fetch " + entry.info.url() + ": " + e.getMessage(), e));
        }
        try {
            boolean sent = sender.send(nar);
            return new Outcome(entry, nar, sent, null);
        } catch (ApiException e) {
            Files.deleteIfExists(nar.file());
            if (!refusesThePath(e)) {
                throw e;
            }
            return new Outcome(entry, null, false, new Refused("the cache refused the upload: " + e.getMessage(), e));
        } catch (IOException | InterruptedException | RuntimeException e) {
            Files.deleteIfExists(nar.file());
            throw e;
        }
    }

    /**
     * Publishes the verified paths of a chunk in their order, a path whose reference was refused
     * meanwhile left out; when the cache refuses the batch, one path at a time, to name the one
     * at fault. Paths the server verifies asynchronously are awaited: the next chunk may refer to them.
     */
    private void publish(String cache, List<Outcome> ready, Set<StorePathHash> published) throws IOException, InterruptedException, ApiException {
        List<Outcome> batch = new ArrayList<>();
        for (Outcome outcome : ready) {
            Optional<String> blocked = blockedBy(outcome.entry());
            if (blocked.isPresent()) {
                refuse(outcome.entry(), blocked.get());
            } else {
                batch.add(outcome);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        List<PublishResult> results;
        try {
            results = client.publish(cache, new PublishRequest(batch.stream().map(Importer::pathInfo).toList())).results();
        } catch (ApiException e) {
            if (!refusesThePath(e)) {
                throw e;
            }
            results = new ArrayList<>();
            for (Outcome outcome : batch) {
                Optional<String> blocked = blockedBy(outcome.entry());
                if (blocked.isPresent()) {
                    refuse(outcome.entry(), blocked.get());
                    continue;
                }
                try {
                    PublishResponse one = client.publish(cache, new PublishRequest(List.of(pathInfo(outcome))));
                    results.addAll(one.results());
                } catch (ApiException single) {
                    if (!refusesThePath(single)) {
                        throw single;
                    }
                    refuse(outcome.entry(), "the cache refused it: " + single.getMessage());
                }
            }
        }
        Map<String, Entry> byPath = new LinkedHashMap<>();
        batch.forEach(o -> byPath.put(o.entry().path.toString(), o.entry()));
        for (PublishResult result : results) {
            Entry entry = byPath.get(result.storePath());
            if (entry == null) {
                continue;
            }
            String state = "verifying".equals(result.state()) ? awaitVerified(cache, entry) : result.state();
            if ("published".equals(state)) {
                published.add(entry.hash);
            } else {
                refuse(entry, "the cache refused it: " + state);
            }
        }
    }

    private String awaitVerified(String cache, Entry entry) throws IOException, InterruptedException, ApiException {
        Clock clock = Clock.systemUTC();
        PathStatus status = VerifyPoll.settled(client, cache, entry.hash.value(), clock.instant().plus(VerifyPoll.DEADLINE), clock);
        return status.state() + (status.reason() == null || "published".equals(status.state()) ? "" : " (" + status.reason() + ")");
    }

    /** A reference refused in this run keeps its referrers out: the cache holds closures only. */
    private Optional<String> blockedBy(Entry entry) {
        for (StorePath reference : entry.info.references()) {
            if (!reference.hash().equals(entry.hash) && bad.contains(reference.hash())) {
                return Optional.of("refers to " + reference + ", which is not imported");
            }
        }
        return Optional.empty();
    }

    /** 4xx answers about the data refuse the path; authentication, permission and missing caches end the import. */
    private static boolean refusesThePath(ApiException e) {
        int status = e.status();
        return status == 400 || status == 409 || status == 413 || status == 422;
    }

    private void refuse(Entry entry, String reason) {
        bad.add(entry.hash);
        refused.add(new ImportSummary.RefusedPath(entry.name(), reason));
        progress("refused " + entry.name() + ": " + reason);
    }

    private static PathInfo pathInfo(Outcome outcome) {
        NarInfo info = outcome.entry().info;
        StagedNar nar = outcome.nar();
        return new PathInfo(info.storePath().toString(), info.narHash().toString(), info.narSize(), nar.fileHash().toString(), nar.fileSize(),
                nar.compression().narInfoName(), info.references().stream().map(StorePath::baseName).sorted().toList(),
                info.optionalDeriver().map(StorePath::baseName).orElse(null), info.ca());
    }

    /**
     * Records the roots given, or for a listed source the paths no other path refers to, when the
     * cache has them: garbage collection keeps what a recent root refers to, so an import is not
     * collected as unused right after it ends. A server older than garbage collection is skipped.
     */
    private int recordRoots(Options options, Map<StorePathHash, Entry> entries, Set<StorePathHash> inCache, Set<StorePathHash> published)
            throws IOException, InterruptedException, ApiException {
        List<StorePath> roots;
        if (options.roots() != null) {
            roots = options.roots().stream().map(entries::get).filter(e -> e.path != null).map(e -> e.path).toList();
        } else {
            Set<StorePathHash> referenced = new HashSet<>();
            for (Entry entry : entries.values()) {
                if (entry.info != null) {
                    entry.info.references().stream().map(StorePath::hash).filter(h -> !h.equals(entry.hash)).forEach(referenced::add);
                }
            }
            roots = entries.values().stream().filter(e -> e.path != null && !referenced.contains(e.hash)).map(e -> e.path).toList();
        }
        List<String> kept = roots.stream().filter(r -> inCache.contains(r.hash()) || published.contains(r.hash()))
                .map(StorePath::toString).distinct().toList();
        int recorded = 0;
        for (int from = 0; from < kept.size(); from += RootsRequest.MAX) {
            RootsResponse answer;
            try {
                answer = client.recordRoots(options.cache(), new RootsRequest(kept.subList(from, Math.min(kept.size(), from + RootsRequest.MAX))));
            } catch (ApiException e) {
                if ((e.status() == 404 && e.error().field() == null) || e.status() == 405) {
                    return 0;
                }
                throw e;
            }
            recorded += answer.recorded().size();
        }
        return recorded;
    }

    private void progress(String line) {
        if (!quiet) {
            err.println("nixfront: " + line);
            err.flush();
        }
    }

    // Best effort: a leftover temporary file must not hide the error that ended the import.
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
