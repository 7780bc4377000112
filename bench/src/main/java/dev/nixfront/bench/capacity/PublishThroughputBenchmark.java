package dev.nixfront.bench.capacity;

import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResult;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadResponse;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.aws.AwsClientConfig;
import dev.nixfront.aws.AwsClients;
import dev.nixfront.aws.AwsPorts;
import dev.nixfront.aws.DynamoDbTableSchema;
import dev.nixfront.cache.CacheSettings;
import dev.nixfront.cache.Ports;
import dev.nixfront.cache.Services;
import dev.nixfront.cache.fake.FakeKeyVault;
import dev.nixfront.cache.fake.MemoryCacheRepository;
import dev.nixfront.cache.fake.MemoryCollectionRepository;
import dev.nixfront.cache.fake.MemoryNarRegistry;
import dev.nixfront.cache.fake.MemoryObjectStore;
import dev.nixfront.cache.fake.MemoryPathIndex;
import dev.nixfront.cache.fake.MemoryPinRepository;
import dev.nixfront.cache.fake.MemoryRootRepository;
import dev.nixfront.cache.fake.MemoryTokenRepository;
import dev.nixfront.cache.fake.MemoryUsageCounter;
import dev.nixfront.cache.fake.RecordingMetrics;
import dev.nixfront.cache.fake.RecordingQueue;
import dev.nixfront.cache.port.CollectionQueue;
import dev.nixfront.cache.port.EdgeCache;
import dev.nixfront.cache.port.EdgeStore;
import dev.nixfront.cache.port.Metrics;
import dev.nixfront.cache.port.PresignedRequest;
import dev.nixfront.local.server.DynaliteServer;
import dev.nixfront.local.server.S3ProxyServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * How many already-uploaded small paths a second the publish service takes through its ports, with
 * the in-memory stand-ins of the cache module's tests in this JVM and the real clock: what the
 * service itself costs (validation, verification, signing, the collection protocol's checks, the
 * writes), with no network. Closures of 200 tiny paths (up to ten references each, within the
 * closure), uploaded first, then published one request of 200 after the other; only the publish
 * requests are timed. A first cache takes a fifth of the paths untimed, for the JIT. With
 * {@code --on dynalite} the same run goes through the AWS adapters to s3proxy and dynalite (as
 * {@code ./nixfront local} runs them, on loopback, without added latency), uploads written straight
 * into staging with the S3 client.
 * Usage: {@value #USAGE}.
 */
public final class PublishThroughputBenchmark {
    static final String USAGE = "[--paths 10000] [--seed 1] [--on memory|dynalite]";
    private static final int CLOSURE = PublishRequest.MAX;
    private static final String BUCKET = "nixfront";
    private static final String TABLE = "nixfront";

    private PublishThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int paths = 10_000;
        long seed = 1;
        String on = "memory";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--paths" -> paths = Integer.parseInt(args[i + 1]);
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                case "--on" -> on = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; usage: " + USAGE);
            }
        }
        TinyNar.checkAgainstNarWriter();
        Clock clock = Clock.systemUTC();
        RecordingQueue jobs = new RecordingQueue();
        CacheSettings settings = CacheSettings.defaults("https://cache.example.org");
        SecureRandom random = new SecureRandom();
        Result result;
        if (on.equals("memory")) {
            MemoryObjectStore bucket = new MemoryObjectStore(clock);
            Services services = inMemory(bucket, jobs, settings, clock, random);
            Uploads uploads = (target, bytes, expiresAt) -> bucket.clientPut(new PresignedRequest(target.put().method(),
                    URI.create(target.put().url()), target.put().headers(), expiresAt), bytes);
            run(services, uploads, "warm-up", Math.max(CLOSURE, paths / 5), seed + 1);
            result = run(services, uploads, "team", paths, seed);
        } else if (on.equals("dynalite")) {
            result = onDynalite(paths, seed, clock, random, jobs, settings);
        } else {
            throw new IllegalArgumentException("--on takes memory or dynalite; usage: " + USAGE);
        }
        System.out.printf("on %s: %d paths published in %d requests of up to %d: %.2f s of publish requests, %.0f paths/s;"
                        + " %d deferred to the verify function (%d jobs)%n",
                on, result.published(), result.requests(), CLOSURE, result.seconds(), result.published() / result.seconds(),
                result.deferred(), jobs.jobs().size());
    }

    private static Result onDynalite(int paths, long seed, Clock clock, SecureRandom random, RecordingQueue jobs, CacheSettings settings)
            throws IOException {
        Path directory = Files.createTempDirectory("nixfront-publish-bench-");
        String id = "bench";
        byte[] secretBytes = new byte[16];
        random.nextBytes(secretBytes);
        String secret = HexFormat.of().formatHex(secretBytes);
        try (S3ProxyServer s3proxy = new S3ProxyServer(directory.resolve("s3"), id, secret, 0).start();
             DynaliteServer dynalite = DynaliteServer.inMemory(id, secret).start();
             AwsClients clients = AwsClients.create(AwsClientConfig.local(s3proxy.endpoint(), dynalite.endpoint(), id, secret))) {
            s3proxy.createBucket(BUCKET);
            DynamoDbTableSchema.createTableIfMissing(clients.dynamoDb(), TABLE, clock);
            Services services = Services.create(AwsPorts.create(clients, BUCKET, TABLE, new FakeKeyVault(), jobs, Metrics.NONE,
                    EdgeStore.NONE, CollectionQueue.NONE, EdgeCache.NONE), settings, clock, random);
            S3Client s3 = clients.s3();
            Uploads uploads = (target, bytes, expiresAt) -> s3.putObject(b -> b.bucket(BUCKET).key(target.key()), RequestBody.fromBytes(bytes));
            run(services, uploads, "warm-up", Math.max(CLOSURE, paths / 5), seed + 1);
            return run(services, uploads, "team", paths, seed);
        } finally {
            deleteTree(directory);
        }
    }

    /** The services on the in-memory stand-ins of every port, objects in {@code bucket}, verify jobs to {@code jobs}. */
    static Services inMemory(MemoryObjectStore bucket, RecordingQueue jobs, CacheSettings settings, Clock clock, SecureRandom random) {
        return Services.create(new Ports(bucket, new MemoryCacheRepository(), new MemoryPathIndex(),
                new MemoryNarRegistry(), new MemoryTokenRepository(), new FakeKeyVault(), jobs, new RecordingMetrics(),
                EdgeStore.NONE, new MemoryRootRepository(), new MemoryPinRepository(), new MemoryUsageCounter(),
                new MemoryCollectionRepository(), CollectionQueue.NONE, EdgeCache.NONE), settings, clock, random);
    }

    /** Deletes a directory and everything under it. */
    static void deleteTree(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** How a file gets into staging: what a client's PUT to its presigned URL does. */
    private interface Uploads {
        void put(UploadTarget target, byte[] bytes, Instant expiresAt);
    }

    private record Result(int published, int deferred, int requests, double seconds) {}

    private static Result run(Services services, Uploads uploads, String cache, int paths, long seed) {
        services.caches().create(PushClient.ADMIN, new CreateCacheRequest(cache, null, null, null));
        Closures closures = new Closures(paths, CLOSURE, seed);
        int published = 0;
        int deferred = 0;
        int requests = 0;
        long nanos = 0;
        for (List<Closures.Path> closure = closures.next(); closure != null; closure = closures.next()) {
            upload(services, uploads, cache, closure);
            List<PathInfo> infos = closure.stream().map(Closures.Path::info).toList();
            long start = System.nanoTime();
            List<PublishResult> results = services.publish().publish(PushClient.ADMIN, cache, new PublishRequest(infos)).results();
            nanos += System.nanoTime() - start;
            requests++;
            for (PublishResult r : results) {
                if ("published".equals(r.state())) {
                    published++;
                } else {
                    deferred++;
                }
            }
        }
        return new Result(published, deferred, requests, nanos / 1e9);
    }

    /** As a client does: upload targets, then each file PUT to its staging key. */
    private static void upload(Services services, Uploads uploads, String cache, List<Closures.Path> closure) {
        Map<String, byte[]> files = new HashMap<>();
        List<NarUpload> nars = new ArrayList<>();
        for (Closures.Path p : closure) {
            files.put(p.info().fileHash(), p.nar());
            nars.add(new NarUpload(p.info().fileHash(), p.info().fileSize(), p.info().compression()));
        }
        for (int from = 0; from < nars.size(); from += UploadRequest.MAX) {
            UploadResponse answer = services.uploads().request(PushClient.ADMIN, cache,
                    new UploadRequest(nars.subList(from, Math.min(nars.size(), from + UploadRequest.MAX))));
            for (UploadTarget target : answer.uploads()) {
                if (!target.present()) {
                    uploads.put(target, files.get(target.fileHash()), answer.expiresAt());
                }
            }
        }
    }
}
