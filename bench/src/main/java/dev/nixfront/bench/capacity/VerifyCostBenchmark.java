package dev.nixfront.bench.capacity;

import dev.nixfront.api.CompleteUploadRequest;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.MultipartUpload;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PartUrl;
import dev.nixfront.api.PartsRequest;
import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResult;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadResponse;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.api.UploadedPart;
import dev.nixfront.cache.CacheSettings;
import dev.nixfront.cache.Services;
import dev.nixfront.cache.fake.MemoryObjectStore;
import dev.nixfront.cache.fake.RecordingQueue;
import dev.nixfront.cache.port.PresignedRequest;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import dev.nixfront.nix.compress.CompressionStreams;
import dev.nixfront.nix.nar.NarSummary;
import dev.nixfront.nix.nar.NarWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What verifying costs the server, in CPU seconds per GiB of NAR, against what the client spends
 * packing the same bytes (issue 15: "server CPU-seconds per GiB verified ... below the client's CPU
 * for packing the same bytes"). Each path is a directory of 60% random bytes and 40% repetitive
 * text (the shape of {@code bench/big-nar.sh}), packed as the CLI packs (NAR serialisation, zstd at
 * level 3 on every core from 64 MiB on, SHA-256 of the NAR and of the file, written to a file), then
 * uploaded and published through the publish service with the in-memory stand-ins, which verifies
 * it as in AWS (SHA-256 of the file, zstd decompression, NAR parsing, SHA-256 of the NAR) and signs
 * and indexes it. CPU is the process's, measured around each step only: what S3 itself does (the
 * upload's checksums, the copy into {@code nar/}) is not in it, as it is not in a Lambda's bill.
 */
public final class VerifyCostBenchmark {
    private static final String USAGE = "VerifyCostBenchmark [--paths 5] [--mib 200]";
    private static final long MIB = 1L << 20;

    private VerifyCostBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int paths = 5;
        int mib = 200;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--paths" -> paths = Integer.parseInt(args[i + 1]);
                case "--mib" -> mib = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; usage: " + USAGE);
            }
        }
        Clock clock = Clock.systemUTC();
        MemoryObjectStore bucket = new MemoryObjectStore(clock);
        Services services = PublishThroughputBenchmark.inMemory(bucket, new RecordingQueue(), CacheSettings.defaults("https://cache.example.org"),
                clock, new SecureRandom());
        services.caches().create(PushClient.ADMIN, new CreateCacheRequest("team", null, null, null));
        Path work = Files.createTempDirectory("nixfront-verify-cost");
        try {
            SplittableRandom random = new SplittableRandom(1);
            // The JIT's first compilations go to a path that is not counted.
            one(services, bucket, work, random, "warm-up", 64);
            Cost total = new Cost(0, 0, 0, 0, 0, 0);
            for (int i = 0; i < paths; i++) {
                total = total.plus(one(services, bucket, work, random, "bench-" + i, mib));
            }
            double gib = (double) total.narBytes() / (1L << 30);
            System.out.printf("%d paths of %d MiB of NAR (%.2f GiB, %.0f MiB as zstd): the client packing %.2f CPU s (%.2f s wall),"
                            + " the server verifying and publishing %.2f CPU s (%.2f s wall)%n",
                    paths, mib, gib, total.fileBytes() / (double) MIB, total.packCpu(), total.packWall(), total.verifyCpu(), total.verifyWall());
            System.out.printf("per GiB of NAR: client %.2f CPU s, server %.2f CPU s (%.0f%% of the client's)%n",
                    total.packCpu() / gib, total.verifyCpu() / gib, 100 * total.verifyCpu() / total.packCpu());
        } finally {
            PublishThroughputBenchmark.deleteTree(work);
        }
    }

    private record Cost(long narBytes, long fileBytes, double packCpu, double packWall, double verifyCpu, double verifyWall) {
        Cost plus(Cost o) {
            return new Cost(narBytes + o.narBytes, fileBytes + o.fileBytes, packCpu + o.packCpu, packWall + o.packWall,
                    verifyCpu + o.verifyCpu, verifyWall + o.verifyWall);
        }
    }

    /** Packs, uploads and publishes one path of {@code mib} MiB of NAR; the two timed steps' costs. */
    private static Cost one(Services services, MemoryObjectStore bucket, Path work, SplittableRandom random, String name, int mib)
            throws Exception {
        Path tree = tree(work.resolve(name), random, mib * MIB);
        Path file = work.resolve(name + ".nar.zst");
        MessageDigest fileDigest = Hash.newDigest();
        long cpu = cpuNanos();
        long wall = System.nanoTime();
        NarSummary nar;
        int threads = mib >= 64 ? Runtime.getRuntime().availableProcessors() : 1;
        try (OutputStream out = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16), fileDigest);
             OutputStream compressed = CompressionStreams.compress(Compression.ZSTD, out, CompressionStreams.ZSTD_DEFAULT_LEVEL, threads)) {
            nar = NarWriter.dumpAndHash(tree, compressed);
        }
        Hash fileHash = Hash.of(fileDigest.digest());
        double packCpu = (cpuNanos() - cpu) / 1e9;
        double packWall = (System.nanoTime() - wall) / 1e9;
        PublishThroughputBenchmark.deleteTree(tree);

        byte[] bytes = Files.readAllBytes(file);
        Files.delete(file);
        StorePath path = new StorePath(StorePath.DEFAULT_STORE_DIR, storeHash(random), name);
        UploadResponse answer = services.uploads().request(PushClient.ADMIN, "team",
                new UploadRequest(List.of(new NarUpload(fileHash.toString(), bytes.length, "zstd"))));
        upload(services, bucket, answer.uploads().getFirst(), answer, fileHash, bytes);
        PathInfo info = new PathInfo(path.toString(), nar.narHash().toString(), nar.narSize(), fileHash.toString(), bytes.length,
                "zstd", List.of(), null, null);

        cpu = cpuNanos();
        wall = System.nanoTime();
        List<PublishResult> results = services.publish().publish(PushClient.ADMIN, "team", new PublishRequest(List.of(info))).results();
        double verifyCpu = (cpuNanos() - cpu) / 1e9;
        double verifyWall = (System.nanoTime() - wall) / 1e9;
        if (!"published".equals(results.getFirst().state())) {
            throw new IllegalStateException(path + " was not published inline: " + results.getFirst().state());
        }
        return new Cost(nar.narSize(), bytes.length, packCpu, packWall, verifyCpu, verifyWall);
    }

    /** As the CLI does: one PUT, or the parts (asking for more part URLs as needed) and the completion. */
    private static void upload(Services services, MemoryObjectStore bucket, UploadTarget target, UploadResponse answer, Hash fileHash,
                               byte[] bytes) {
        if (target.put() != null) {
            bucket.clientPut(new PresignedRequest(target.put().method(), URI.create(target.put().url()), target.put().headers(),
                    answer.expiresAt()), bytes);
            return;
        }
        MultipartUpload mp = target.multipart();
        List<PartUrl> urls = new ArrayList<>(mp.parts());
        while (urls.size() < mp.partCount()) {
            urls.addAll(services.uploads().parts(PushClient.ADMIN, "team", new PartsRequest(fileHash.toString(), bytes.length, "zstd",
                    mp.uploadId(), urls.size() + 1, PartsRequest.MAX)).parts());
        }
        List<UploadedPart> done = new ArrayList<>();
        for (PartUrl url : urls) {
            long from = (url.partNumber() - 1) * mp.partSize();
            long to = Math.min(from + mp.partSize(), bytes.length);
            bucket.clientPutPart(target.key(), mp.uploadId(), url.partNumber(), Arrays.copyOfRange(bytes, (int) from, (int) to));
            done.add(new UploadedPart(url.partNumber(), "\"etag" + url.partNumber() + "\""));
        }
        services.uploads().complete(PushClient.ADMIN, "team", new CompleteUploadRequest(fileHash.toString(), bytes.length, "zstd",
                mp.uploadId(), done));
    }

    /** 60% random bytes, 40% repetitive text, in files of at most 64 MiB. */
    private static Path tree(Path dir, SplittableRandom random, long bytes) throws IOException {
        Files.createDirectories(dir);
        long randomBytes = bytes * 3 / 5;
        byte[] block = new byte[1 << 20];
        int n = 0;
        for (long left = randomBytes; left > 0; n++) {
            try (OutputStream out = Files.newOutputStream(dir.resolve("data-" + n + ".bin"))) {
                for (long inFile = 0; inFile < 64 * MIB && left > 0; ) {
                    random.nextBytes(block);
                    int len = (int) Math.min(block.length, left);
                    out.write(block, 0, len);
                    left -= len;
                    inFile += len;
                }
            }
        }
        byte[] line = ("the quick brown fox jumps over the lazy dog " + random.nextLong() + "\n").getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(dir.resolve("text.txt")), 1 << 16)) {
            for (long left = bytes - randomBytes; left > 0; left -= line.length) {
                out.write(line, 0, (int) Math.min(line.length, left));
            }
        }
        return dir;
    }

    private static StorePathHash storeHash(SplittableRandom random) {
        byte[] bytes = new byte[StorePathHash.BYTES];
        random.nextBytes(bytes);
        return StorePathHash.of(bytes);
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
