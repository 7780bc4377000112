package dev.nixfront.cli.push;

import dev.nixfront.api.CompleteUploadRequest;
import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.MultipartUpload;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PartUrl;
import dev.nixfront.api.PartsRequest;
import dev.nixfront.api.PartsResponse;
import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PathStatus;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResponse;
import dev.nixfront.api.PublishResult;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadResponse;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.api.UploadedPart;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.client.HttpClients;
import dev.nixfront.cli.client.NixfrontClient;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.TopologicalOrder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Pushes store paths to a cache:
 * <ol>
 *   <li>asks the local Nix for the closure and the API which of its hashes the cache lacks
 *       (one request per 10,000 hashes);</li>
 *   <li>packs each missing path (NAR, compressed, hashed; {@link NarPacker}) on up to
 *       {@code min(jobs, cores)} threads, asks for upload URLs in batches, and PUTs the files to
 *       storage with {@code jobs} transfers in flight (multipart for the NARs the server says);</li>
 *   <li>publishes the narinfo data in batches of 200, references before referrers, waiting for
 *       paths the server verifies asynchronously before publishing what references them.</li>
 * </ol>
 * Packing runs ahead of uploading by a bounded number of files, so a huge closure needs temporary
 * disk for a few batches, not for all of it.
 */
public final class Pusher {
    private static final int FIRST_UPLOAD_BATCH = 8;
    private static final int UPLOAD_BATCH = 100;
    private static final int MIN_PUBLISH_BATCH = 50;
    private static final long UPLOAD_BATCH_BYTES = 128L << 20;
    private static final int PACKED_AHEAD = 2 * UPLOAD_BATCH + 16;
    private static final Duration VERIFY_POLL_MAX = Duration.ofSeconds(2);
    private static final Duration VERIFY_DEADLINE = Duration.ofHours(1);

    /** What to push and how. {@code level} is -1 for the codec's default. */
    public record Options(String cache, List<String> paths, boolean closure, int jobs, Compression compression, int level) {
        public Options {
            paths = List.copyOf(paths);
            if (jobs < 1) {
                throw new IllegalArgumentException("-j must be at least 1");
            }
        }
    }

    private final NixfrontClient client;
    private final Transfer transfer;
    private final NixStore store;
    private final Progress progress;

    Pusher(NixfrontClient client, Transfer transfer, NixStore store, Progress progress) {
        this.client = client;
        this.transfer = transfer;
        this.store = store;
        this.progress = progress;
    }

    /** A pusher using {@code nix} from PATH and the client's HTTP connection for uploads. */
    public static Pusher create(NixfrontClient client, HttpClients http, java.io.PrintWriter err,
                                boolean terminal, boolean quiet) {
        return new Pusher(client, new Transfer(http::forUri, RetryPolicy.DEFAULT), new NixStore("nix"), Progress.create(err, terminal, quiet));
    }

    public PushSummary push(Options options) throws IOException, InterruptedException, ApiException {
        long started = System.nanoTime();
        List<LocalPath> local = store.query(options.paths(), options.closure());
        Set<String> missing = missing(options.cache(), local);
        List<LocalPath> todo = TopologicalOrder.of(
                local.stream().filter(p -> missing.contains(p.path().hash().value())).toList(),
                LocalPath::path, LocalPath::references);
        long narBytes = todo.stream().mapToLong(LocalPath::narSize).sum();
        progress.planned(todo.size(), narBytes);
        long[] sizes = {0, 0};
        if (!todo.isEmpty()) {
            Path directory = Files.createTempDirectory("nixfront-push-");
            Landed landed = new Landed();
            ExecutorService background = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("nixfront-upload").factory());
            try {
                // Publishing starts while later paths still upload: the server's verification of
                // one batch overlaps the packing and uploading of the next.
                Future<?> uploads = background.submit(() -> {
                    upload(options, todo, directory, sizes, landed);
                    return null;
                });
                publish(options.cache(), todo, landed, uploads);
                await(uploads);
            } finally {
                background.shutdownNow();
                deleteTree(directory);
            }
        }
        progress.finish();
        return new PushSummary(options.cache(), local.size(), local.size() - todo.size(), todo.size(), narBytes,
                sizes[0], sizes[1], options.compression().narInfoName(), (System.nanoTime() - started) / 1e9);
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

    /** The paths whose NAR is in storage, by full store path; publishing waits on it. */
    private static final class Landed {
        private final Map<String, PackedNar> nars = new HashMap<>();

        synchronized void add(PackedNar nar) {
            nars.put(nar.path().path().toString(), nar);
            notifyAll();
        }

        synchronized PackedNar get(String path) {
            return nars.get(path);
        }

        /**
         * Waits until at least {@code min} consecutive paths from {@code from} on have landed (or
         * the uploads are over, or a second passed with at least one ready); returns how many
         * consecutive ones have, at most {@code max}.
         */
        synchronized int await(List<LocalPath> ordered, int from, int min, int max, Future<?> uploads) throws InterruptedException {
            long deadline = System.nanoTime() + 1_000_000_000L;
            while (true) {
                int ready = 0;
                while (from + ready < ordered.size() && ready < max && nars.containsKey(ordered.get(from + ready).path().toString())) {
                    ready++;
                }
                if (ready >= min || uploads.isDone() || (ready > 0 && System.nanoTime() > deadline)) {
                    return ready;
                }
                wait(100);
            }
        }
    }

    /** Packs and uploads every path, reporting each to {@code landed} as its upload completes. */
    private void upload(Options options, List<LocalPath> todo, Path directory, long[] sizes, Landed landed)
            throws IOException, InterruptedException, ApiException {
        NarPacker packer = new NarPacker(directory, options.compression(), options.level());
        int packers = Math.max(1, Math.min(options.jobs(), Runtime.getRuntime().availableProcessors()));
        Semaphore ahead = new Semaphore(PACKED_AHEAD);
        Semaphore transfers = new Semaphore(options.jobs());
        AtomicLong uploaded = new AtomicLong();
        Map<String, PackedNar> result = new HashMap<>();
        ExecutorService packPool = Executors.newFixedThreadPool(packers, Thread.ofPlatform().daemon().name("nixfront-pack-", 0).factory());
        ExecutorService uploadPool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            CompletionService<PackedNar> packing = new ExecutorCompletionService<>(packPool);
            for (LocalPath path : todo) {
                packing.submit(() -> {
                    ahead.acquire();
                    return packer.pack(path);
                });
            }
            List<Future<?>> uploads = new ArrayList<>();
            List<PackedNar> batch = new ArrayList<>();
            long batchBytes = 0;
            // Small first batches get bytes moving early; later ones grow to save requests.
            int batchSize = FIRST_UPLOAD_BATCH;
            for (int received = 0; received < todo.size(); received++) {
                PackedNar nar = await(packing.take());
                result.put(nar.path().path().toString(), nar);
                batch.add(nar);
                batchBytes += nar.fileSize();
                boolean last = received == todo.size() - 1;
                if (last || batch.size() >= batchSize || batchBytes >= UPLOAD_BATCH_BYTES) {
                    // Asking for URLs takes the server a few ms per NAR: do it beside the packing,
                    // not in its way.
                    List<PackedNar> ready = batch;
                    uploads.add(uploadPool.submit(() -> {
                        for (Future<?> upload : startUploads(options.cache(), ready, uploadPool, transfers, ahead, uploaded, landed)) {
                            await(upload);
                        }
                        return null;
                    }));
                    batch = new ArrayList<>();
                    batchBytes = 0;
                    batchSize = Math.min(UPLOAD_BATCH, batchSize * 2);
                }
            }
            for (Future<?> upload : uploads) {
                await(upload);
            }
        } finally {
            packPool.shutdownNow();
            uploadPool.shutdownNow();
        }
        sizes[0] = result.values().stream().mapToLong(PackedNar::fileSize).sum();
        sizes[1] = uploaded.get();
    }

    private List<Future<?>> startUploads(String cache, List<PackedNar> batch, ExecutorService pool, Semaphore transfers,
                                         Semaphore ahead, AtomicLong uploaded, Landed landed) throws IOException, InterruptedException, ApiException {
        // Identical contents under different names share one NAR file: upload it once.
        Map<String, List<PackedNar>> byFileHash = new LinkedHashMap<>();
        for (PackedNar nar : batch) {
            byFileHash.computeIfAbsent(nar.fileHash().toString(), k -> new ArrayList<>()).add(nar);
        }
        List<NarUpload> request = byFileHash.values().stream()
                .map(group -> group.getFirst())
                .map(nar -> new NarUpload(nar.fileHash().toString(), nar.fileSize(), nar.compression().narInfoName()))
                .toList();
        Map<String, UploadTarget> targets = new HashMap<>();
        for (int from = 0; from < request.size(); from += UploadRequest.MAX) {
            UploadResponse response = client.uploads(cache, new UploadRequest(request.subList(from, Math.min(request.size(), from + UploadRequest.MAX))));
            for (UploadTarget target : response.uploads()) {
                targets.put(target.fileHash(), target);
            }
        }
        List<Future<?>> futures = new ArrayList<>();
        for (Map.Entry<String, List<PackedNar>> group : byFileHash.entrySet()) {
            UploadTarget target = targets.get(group.getKey());
            if (target == null) {
                throw new IOException("the server gave no upload target for " + group.getKey());
            }
            futures.add(pool.submit(() -> {
                try {
                    PackedNar nar = group.getValue().getFirst();
                    if (!target.present()) {
                        send(cache, nar, target, pool, transfers);
                        uploaded.addAndGet(nar.fileSize());
                    }
                    Files.deleteIfExists(nar.file());
                    for (PackedNar each : group.getValue()) {
                        landed.add(each);
                        progress.pushed(each.path().path().toString(), each.path().narSize(), each.fileSize());
                    }
                } finally {
                    ahead.release(group.getValue().size());
                }
                return null;
            }));
        }
        return futures;
    }

    private void send(String cache, PackedNar nar, UploadTarget target, ExecutorService pool, Semaphore transfers) throws Exception {
        if (target.put() != null) {
            transfers.acquire();
            try {
                transfer.put(URI.create(target.put().url()), target.put().headers(), nar.file(), 0, nar.fileSize());
            } finally {
                transfers.release();
            }
            return;
        }
        MultipartUpload multipart = target.multipart();
        if (multipart == null) {
            throw new IOException("the server offered neither a PUT nor a multipart upload for " + nar.path().path());
        }
        List<PartUrl> urls = new ArrayList<>(multipart.parts());
        while (urls.size() < multipart.partCount()) {
            int first = urls.size() + 1;
            PartsResponse more = client.parts(cache, new PartsRequest(nar.fileHash().toString(), nar.fileSize(),
                    nar.compression().narInfoName(), multipart.uploadId(), first, Math.min(PartsRequest.MAX, multipart.partCount() - urls.size())));
            if (more.parts().isEmpty()) {
                throw new IOException("the server gave no more part URLs for " + nar.path().path());
            }
            urls.addAll(more.parts());
        }
        List<Future<UploadedPart>> parts = new ArrayList<>();
        for (PartUrl part : urls) {
            long offset = (part.partNumber() - 1L) * multipart.partSize();
            long length = Math.min(multipart.partSize(), nar.fileSize() - offset);
            parts.add(pool.submit(() -> {
                transfers.acquire();
                try {
                    String etag = transfer.put(URI.create(part.url()), part.headers(), nar.file(), offset, length);
                    return new UploadedPart(part.partNumber(), etag);
                } finally {
                    transfers.release();
                }
            }));
        }
        List<UploadedPart> done = new ArrayList<>();
        for (Future<UploadedPart> part : parts) {
            done.add(await(part));
        }
        done.sort(Comparator.comparingInt(UploadedPart::partNumber));
        client.complete(cache, new CompleteUploadRequest(nar.fileHash().toString(), nar.fileSize(),
                nar.compression().narInfoName(), multipart.uploadId(), done));
    }

    /**
     * Publishes in topological order, in batches of consecutive paths whose upload has landed
     * (up to 200, at least {@link #MIN_PUBLISH_BATCH} unless uploads are over or slow).
     */
    private void publish(String cache, List<LocalPath> ordered, Landed landed, Future<?> uploads)
            throws IOException, InterruptedException, ApiException {
        Set<String> verifying = new HashSet<>();
        int from = 0;
        while (from < ordered.size()) {
            int ready = landed.await(ordered, from, Math.min(MIN_PUBLISH_BATCH, ordered.size() - from), PublishRequest.MAX, uploads);
            if (ready == 0) {
                await(uploads);
                throw new IOException("uploads ended before " + ordered.get(from).path() + " was uploaded");
            }
            int end = from + ready;
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
        Instant deadline = Instant.now().plus(VERIFY_DEADLINE);
        for (String path : paths) {
            String hash = path.substring(path.lastIndexOf('/') + 1, path.lastIndexOf('/') + 33);
            long pause = 50;
            while (true) {
                PathStatus status = client.pathStatus(cache, hash);
                if ("published".equals(status.state())) {
                    verifying.remove(path);
                    break;
                }
                if (!"verifying".equals(status.state())) {
                    throw new IOException("the cache refused " + path + ": " + status.state()
                            + (status.reason() == null ? "" : " (" + status.reason() + ")"));
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new IOException("the cache is still verifying " + path + " after " + VERIFY_DEADLINE);
                }
                Thread.sleep(pause);
                pause = Math.min(VERIFY_POLL_MAX.toMillis(), pause * 2);
            }
        }
    }

    private static PathInfo pathInfo(LocalPath path, PackedNar nar) {
        return new PathInfo(path.path().toString(), path.narHash().toString(), path.narSize(),
                nar.fileHash().toString(), nar.fileSize(), nar.compression().narInfoName(),
                path.references().stream().map(StorePath::baseName).sorted().toList(),
                path.deriverPath().map(StorePath::baseName).orElse(null), path.contentAddress().orElse(null));
    }

    private static <T> T await(Future<T> future) throws IOException, InterruptedException, ApiException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof ApiException api) {
                throw api;
            }
            if (cause instanceof UncheckedIOException unchecked) {
                throw unchecked.getCause();
            }
            if (cause instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(cause.getMessage(), cause);
        }
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
