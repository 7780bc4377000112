package dev.nixfront.cli.push;

import dev.nixfront.api.CompleteUploadRequest;
import dev.nixfront.api.MultipartUpload;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PartUrl;
import dev.nixfront.api.PartsRequest;
import dev.nixfront.api.PartsResponse;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadResponse;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.api.UploadedPart;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.client.NixfrontClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Packs the paths to push and uploads their NAR files: packing runs on up to {@code min(jobs,
 * cores)} threads ahead of uploading by a bounded number of files, upload URLs are asked for in
 * batches, and files go to storage with {@code jobs} transfers in flight (multipart when the
 * server says so). Each path is reported to {@link Landed} once its file is in storage.
 */
final class Uploader {
    private static final int FIRST_UPLOAD_BATCH = 8;
    private static final int UPLOAD_BATCH = 100;
    private static final long UPLOAD_BATCH_BYTES = 128L << 20;
    private static final int PACKED_AHEAD = 2 * UPLOAD_BATCH + 16;

    private final NixfrontClient client;
    private final Transfer transfer;
    private final Progress progress;

    Uploader(NixfrontClient client, Transfer transfer, Progress progress) {
        this.client = client;
        this.transfer = transfer;
        this.progress = progress;
    }

    /** Packs and uploads every path, reporting each to {@code landed} as its upload completes. */
    void upload(Pusher.Options options, List<LocalPath> todo, Path directory, long[] sizes, Landed landed)
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
                PackedNar nar = Futures.await(packing.take());
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
                            Futures.await(upload);
                        }
                        return null;
                    }));
                    batch = new ArrayList<>();
                    batchBytes = 0;
                    batchSize = Math.min(UPLOAD_BATCH, batchSize * 2);
                }
            }
            for (Future<?> upload : uploads) {
                Futures.await(upload);
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
            done.add(Futures.await(part));
        }
        done.sort(Comparator.comparingInt(UploadedPart::partNumber));
        client.complete(cache, new CompleteUploadRequest(nar.fileHash().toString(), nar.fileSize(),
                nar.compression().narInfoName(), multipart.uploadId(), done));
    }
}
