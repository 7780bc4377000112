package dev.nixfront.bench.capacity;

import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.aws.DynamoDbTableSchema;
import dev.nixfront.cache.CacheSettings;
import dev.nixfront.cache.Ports;
import dev.nixfront.cache.Services;
import dev.nixfront.cache.fake.FakeKeyVault;
import dev.nixfront.cache.fake.MemoryCacheRepository;
import dev.nixfront.cache.fake.MemoryCollectionRepository;
import dev.nixfront.cache.fake.MemoryObjectStore;
import dev.nixfront.cache.fake.MemoryNarRegistry;
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
import java.security.SecureRandom;
import java.time.Instant;

/**
 * How many paths a second one cache takes: the real services, fed by simulated {@code nixfront push}
 * clients, over in-memory ports that meter every DynamoDB and S3 request the AWS adapters would make
 * and hold each partition to its documented limit, in virtual time. See the package documentation.
 * Usage: {@value Options#USAGE}.
 */
public final class CapacityBenchmark {
    static final String CACHE = "team";
    private static final Instant START = Instant.parse("2026-11-25T17:00:00Z");

    private CapacityBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        TinyNar.checkAgainstNarWriter();
        Scheduler scheduler = new Scheduler();
        VirtualClock clock = new VirtualClock(scheduler, START);
        TableModel table = TableModel.of(DynamoDbTableSchema.createTableRequest("nixfront"));
        Meter meter = new Meter(scheduler, options.limits());

        MemoryObjectStore bucket = new MemoryObjectStore(clock);
        MemoryCacheRepository caches = new MemoryCacheRepository();
        MemoryPathIndex paths = new MemoryPathIndex();
        MemoryNarRegistry nars = new MemoryNarRegistry();
        MemoryTokenRepository tokens = new MemoryTokenRepository();
        FakeKeyVault keys = new FakeKeyVault();
        RecordingQueue jobs = new RecordingQueue();
        RecordingMetrics metrics = new RecordingMetrics();
        MemoryUsageCounter usage = new MemoryUsageCounter();
        CacheSettings settings = CacheSettings.defaults("https://cache.example.org");
        SecureRandom random = new SecureRandom();

        // Set-up, not load: the cache is created as an admin creates one (key, incarnation,
        // nix-cache-info), on the same stores, before the clock starts.
        Services.create(new Ports(bucket, caches, paths, nars, tokens, keys, jobs, metrics, EdgeStore.NONE,
                        new MemoryRootRepository(), new MemoryPinRepository(), usage, new MemoryCollectionRepository(),
                        CollectionQueue.NONE, EdgeCache.NONE), settings, clock, random)
                .caches().create(PushClient.ADMIN, new CreateCacheRequest(CACHE, null, null, null));

        VerifyInvocations verify = new VerifyInvocations(jobs, meter, scheduler, Options.nanos(options.invokeMs()));
        Ports metered = new Ports(
                new MeteredObjectStore(bucket, meter, Options.nanos(options.s3Ms())),
                new MeteredCacheRepository(caches, meter, table, Options.nanos(options.dynamoDbMs())),
                new MeteredPathIndex(paths, meter, table, Options.nanos(options.dynamoDbMs())),
                new MeteredNarRegistry(nars, meter, table, Options.nanos(options.dynamoDbMs())),
                // The read path's store is CloudFront's KeyValueStore, written by cache and token
                // administration only: nothing of a push touches it.
                tokens, keys, verify, metrics, EdgeStore.NONE,
                // Every push reports its root at its end; pins are set by hand, not part of the load.
                // Every confirmation of a publish adds to a usage counter.
                new MeteredRootRepository(new MemoryRootRepository(), meter, table, Options.nanos(options.dynamoDbMs())),
                new MemoryPinRepository(),
                new MeteredUsageCounter(usage, meter, table, Options.nanos(options.dynamoDbMs())),
                // Collections are not part of the load.
                new MemoryCollectionRepository(), CollectionQueue.NONE,
                // Only a deleted cache is invalidated at the edge: nothing of a push.
                EdgeCache.NONE);
        Services services = Services.create(metered, settings, clock, random);
        verify.serve(services.verify());

        Closures closures = new Closures(options.paths(), options.closure(), options.seed());
        for (int i = 0; i < options.workers(); i++) {
            long start = Options.nanos(options.rampSeconds() * 1000 * i / options.workers());
            scheduler.spawn("client", start, new PushClient(services, CACHE, closures, meter, scheduler, bucket,
                    Options.nanos(options.putMs())));
        }
        long started = System.nanoTime();
        long makespan = scheduler.run();
        Report report = Report.of(options, table, meter, makespan, metrics.total("PathsPublished"),
                (System.nanoTime() - started) / 1e9);
        report.print(System.out);
        if (options.json() != null) {
            ReportJson.write(report, options.json());
            System.out.println("wrote " + options.json());
        }
    }
}
