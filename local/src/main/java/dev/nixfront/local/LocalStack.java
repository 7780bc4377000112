package dev.nixfront.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.api.IndexMigrationRequest;
import dev.nixfront.api.IndexMigrationResponse;
import dev.nixfront.api.Json;
import dev.nixfront.aws.AwsClientConfig;
import dev.nixfront.aws.AwsClients;
import dev.nixfront.aws.AwsPorts;
import dev.nixfront.aws.LocalKeyVault;
import dev.nixfront.cache.CacheSettings;
import dev.nixfront.cache.UpstreamSettings;
import dev.nixfront.cache.EdgeEntries;
import dev.nixfront.cache.MapEdgeStore;
import dev.nixfront.cache.DomainException;
import dev.nixfront.cache.Ports;
import dev.nixfront.cache.Principal;
import dev.nixfront.cache.Services;
import dev.nixfront.cache.TokenService;
import dev.nixfront.cache.port.CollectionQueue;
import dev.nixfront.cache.port.EdgeCache;
import dev.nixfront.cache.port.Metrics;
import dev.nixfront.cache.port.VerifyJob;
import dev.nixfront.functions.AdminHandler;
import dev.nixfront.functions.PublishHandler;
import dev.nixfront.functions.QueryHandler;
import dev.nixfront.functions.UploadHandler;
import dev.nixfront.functions.VerifyHandler;
import dev.nixfront.local.server.DynaliteServer;
import dev.nixfront.local.server.LatencyProxy;
import dev.nixfront.local.server.S3ProxyServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The whole of nixfront on one machine: s3proxy (in this JVM, files under {@code DIR/s3}),
 * dynalite (a child process, LevelDB under {@code DIR/dynamodb}), the same handler classes as in
 * Lambda behind an API Gateway look-alike ({@link ApiFront}), a verification executor standing in
 * for the async Lambda invoke, and a read server playing CloudFront ({@link ReadServer}) with the
 * read path's store in memory ({@link MapEdgeStore}), filled from the table at every start.
 * Everything binds 127.0.0.1; data and the admin token survive restarts.
 */
public final class LocalStack implements AutoCloseable {
    public static final String BUCKET = "nixfront";
    /**
     * How long a collection waits between marking paths and deleting them here: publishes run in
     * this JVM and take milliseconds between checking references and writing a narinfo, so 10 s
     * (publishes give up at 5) is ample, and short enough for {@code nixfront gc} to answer in one request.
     */
    static final java.time.Duration LOCAL_COLLECTION_FENCE = java.time.Duration.ofSeconds(10);
    /**
     * The table, named by schema version: dynalite cannot add an index to a table, so a version that
     * adds one copies the table of the one before ({@link LocalTableUpgrade}).
     */
    public static final String TABLE = "nixfront-2";
    /** The table of the version before the path listing's index (gsi2). */
    static final String PREVIOUS_TABLE = "nixfront";
    /** The verify function's timeout in AWS. */
    private static final Duration VERIFY_TIMEOUT = Duration.ofMinutes(15);

    /**
     * @param directory where everything is kept (see {@link LocalFiles})
     * @param apiPort   the API's port on 127.0.0.1 (0: any free one)
     * @param cachePort the read server's port (0: any free one)
     * @param tuning    adjusts the services' settings (tests lower the multipart threshold); identity by default
     * @param latency   added to every request to S3 and DynamoDB, presigned uploads included, by a
     *                  {@link LatencyProxy} in front of each stand-in, to see what AWS's round trips
     *                  cost; zero (the default): no relay
     */
    public record Options(Path directory, int apiPort, int cachePort, UnaryOperator<CacheSettings> tuning, Duration latency) {
        public Options {
            Objects.requireNonNull(directory, "directory");
            tuning = tuning == null ? UnaryOperator.identity() : tuning;
            latency = latency == null ? Duration.ZERO : latency;
            if (latency.isNegative()) {
                throw new IllegalArgumentException("latency must not be negative");
            }
        }

        public Options(Path directory, int apiPort, int cachePort, UnaryOperator<CacheSettings> tuning) {
            this(directory, apiPort, cachePort, tuning, Duration.ZERO);
        }

        public Options(Path directory, int apiPort, int cachePort) {
            this(directory, apiPort, cachePort, null);
        }

        public Options withLatency(Duration value) {
            return new Options(directory, apiPort, cachePort, tuning, value);
        }
    }

    private final Deque<AutoCloseable> parts = new ArrayDeque<>();
    private LocalFiles files;
    private S3ProxyServer s3proxy;
    private DynaliteServer dynalite;
    private URI s3Endpoint;
    private URI dynamoDbEndpoint;
    private AwsClients clients;
    private ReadServer readServer;
    private ApiFront api;
    private String adminToken;

    private LocalStack() {}

    /** Starts every part, in dependency order; on failure stops what was started and rethrows. */
    public static LocalStack start(Options options) throws IOException {
        LocalStack stack = new LocalStack();
        try {
            stack.startParts(options);
            return stack;
        } catch (IOException | RuntimeException e) {
            try {
                stack.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void startParts(Options options) throws IOException {
        Clock clock = Clock.systemUTC();
        SecureRandom random = new SecureRandom();
        files = new LocalFiles(options.directory());
        files.create(System.err);
        lock();
        LocalFiles.Credentials credentials = files.credentials(random);

        s3proxy = track(new S3ProxyServer(files.s3(), credentials.accessKeyId(), credentials.secretAccessKey(), 0).start());
        s3proxy.createBucket(BUCKET);
        dynalite = track(DynaliteServer.of(files.dynamoDb(), 0, credentials.accessKeyId(), credentials.secretAccessKey()).start());
        s3Endpoint = s3proxy.endpoint();
        dynamoDbEndpoint = dynalite.endpoint();
        if (!options.latency().isZero()) {
            // Everything that speaks to S3 or DynamoDB takes these endpoints, presigned URLs
            // included; the read server reads the blob store directly, as CloudFront's cache would.
            s3Endpoint = track(LatencyProxy.start(s3Endpoint, options.latency())).endpoint();
            dynamoDbEndpoint = track(LatencyProxy.start(dynamoDbEndpoint, options.latency())).endpoint();
        }
        clients = track(AwsClients.create(AwsClientConfig.local(s3Endpoint, dynamoDbEndpoint,
                credentials.accessKeyId(), credentials.secretAccessKey())));
        LocalTableUpgrade.ensure(clients.dynamoDb(), TABLE, PREVIOUS_TABLE, clock);

        // Born marked filled: between the read server's start and the fill below, a cache without an
        // entry is refused (404), never let through unchecked.
        MapEdgeStore edge = new MapEdgeStore();
        edge.put(Map.of(EdgeEntries.FILLED, EdgeEntries.filled(clock.instant())));
        readServer = track(new ReadServer(blobStoreOrigin(files.s3()), options.cachePort(), edge::get, clock));
        // Upstreams may be other local caches here, on 127.0.0.1 over http.
        CacheSettings settings = options.tuning().apply(CacheSettings.defaults(readServer.url().toString())
                .withCollectionFence(LOCAL_COLLECTION_FENCE)
                .withUpstreams(UpstreamSettings.defaults().withPrivateAddresses(true)));
        ExecutorVerificationQueue queue = track(new ExecutorVerificationQueue(2));
        // Collections run inline here: the local fence fits a request. The read server reads the
        // bucket on every request: no copy to invalidate.
        Ports ports = AwsPorts.create(clients, BUCKET, TABLE, new LocalKeyVault(files.masterKey()), queue, Metrics.NONE, edge,
                CollectionQueue.NONE, EdgeCache.NONE);
        Services services = Services.create(ports, settings, clock, random);
        adminToken = adminToken(services, random);
        migrateListings(services);
        // Before the API takes requests: nothing else writes the store meanwhile. Until then the
        // read server finds no cache and serves nothing.
        services.edge().reconcile();

        // As Lambda's async invoke does: the job travels as JSON and arrives as the handler's event map.
        VerifyHandler verify = new VerifyHandler(services);
        queue.bind(job -> verify.handleRequest(asEvent(job), new LocalLambdaContext("nixfront-verify",
                clock.instant().plus(VERIFY_TIMEOUT), clock)));
        api = track(new ApiFront(bindings(services), options.apiPort(), clock));
        writeEnv();
    }

    /**
     * Reads the objects s3proxy stores straight from its blob store in this JVM, as CloudFront
     * reads S3 without a hop through the public API: same bytes, same Content-Type and
     * Cache-Control, without SigV4 and Jetty (Nix fetches two objects per path, so this is most of
     * substitution time).
     */
    private ReadServer.Origin blobStoreOrigin(Path s3Directory) {
        return track(BlobStoreOrigin.open(s3Directory, BUCKET));
    }

    private static Map<String, Object> asEvent(VerifyJob job) {
        try {
            return Json.mapper().readValue(Json.write(job), new TypeReference<Map<String, Object>>() {});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every declared route, bound to one handler instance per function as in Lambda. */
    static List<ApiFront.Binding> bindings(Services services) {
        Map<ApiRoute.Function, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers =
                new EnumMap<>(ApiRoute.Function.class);
        for (ApiRoute.Function function : ApiRoute.Function.values()) {
            // Exhaustive: a new function does not compile until it has a handler here.
            handlers.put(function, switch (function) {
                case QUERY -> new QueryHandler(services);
                case UPLOAD -> new UploadHandler(services);
                case PUBLISH -> new PublishHandler(services);
                case ADMIN -> new AdminHandler(services);
            });
        }
        List<ApiFront.Binding> bindings = new ArrayList<>();
        for (ApiRoute route : ApiRoute.values()) {
            bindings.add(new ApiFront.Binding(route, "nixfront-" + route.function().role(),
                    handlers.get(route.function())));
        }
        return bindings;
    }

    /**
     * The bootstrap admin token: made on the first start, its secret kept in {@code admin.token}
     * (0600) and only its SHA-256 in the table; re-registered if the table was wiped.
     */
    private String adminToken(Services services, SecureRandom random) throws IOException {
        Path file = files.adminToken();
        String token;
        if (Files.isRegularFile(file)) {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        } else {
            token = TokenService.newSecret(random);
            LocalFiles.writeSecret(file, out -> out.write(token + "\n"));
        }
        // As the admin function does with the secret in AWS: the table holds its hash under tk_bootstrap.
        if (services.tokens().registerBootstrap(TokenService.hash(token), "bootstrap admin token of ./nixfront local")
                == TokenService.Bootstrap.REVOKED) {
            System.err.println("nixfront local: the admin token in " + file + " was revoked and logs nobody in;"
                    + " delete that file and start again for a new one (tokens made with it stay revoked)");
        }
        return token;
    }

    /**
     * What {@code nixfront cache migrate-index} does for a deployment, at every start: path items
     * written by a version before the sharded listing move into it. Once done, one empty query per
     * cache. Skipped, with a word, when the admin token was revoked.
     */
    private void migrateListings(Services services) {
        Principal admin;
        try {
            admin = services.tokens().authenticate("Bearer " + adminToken);
        } catch (DomainException e) {
            System.err.println("nixfront local: path listings not migrated: " + e.getMessage());
            return;
        }
        String from = null;
        long moved = 0;
        do {
            IndexMigrationResponse step = services.caches().migrateIndex(admin, new IndexMigrationRequest(from));
            moved += step.moved();
            from = step.next();
        } while (from != null);
        if (moved > 0) {
            System.err.println("nixfront local: moved " + moved + " path items into the sharded listing");
        }
    }

    private void writeEnv() throws IOException {
        LocalFiles.writeSecret(files.env(), out -> out.write(
                "NIXFRONT_SERVER=" + apiUrl() + "\n"
                        + "NIXFRONT_TOKEN=" + adminToken + "\n"
                        + "NIXFRONT_CACHE_URL=" + cacheUrl() + "\n"));
    }

    private void lock() throws IOException {
        FileChannel channel = FileChannel.open(files.lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            // held by another stack in this very JVM (tests start several)
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("another nixfront local is running on " + files.directory());
        }
        parts.push(channel);
    }

    private <T extends AutoCloseable> T track(T part) {
        parts.push(part);
        return part;
    }

    /** The API, e.g. {@code http://127.0.0.1:8470}: NIXFRONT_SERVER. */
    public URI apiUrl() {
        return api.url();
    }

    /** The read server; a cache's substituter is {@code <cacheUrl>/<cache>}: NIXFRONT_CACHE_URL. */
    public URI cacheUrl() {
        return readServer.url();
    }

    /** The bootstrap admin token (a secret). */
    public String adminToken() {
        return adminToken;
    }

    /** s3proxy's endpoint (its latency relay's, with a latency): where presigned URLs point. */
    public URI s3Endpoint() {
        return s3Endpoint;
    }

    /**
     * dynalite's endpoint (its latency relay's, with a latency), which takes only requests signed
     * with the stack's credentials.
     */
    public URI dynamoDbEndpoint() {
        return dynamoDbEndpoint;
    }

    /** An S3 client signed with the stack's credentials (tests inspect and tamper with objects). */
    public S3Client s3() {
        return clients.s3();
    }

    /** A DynamoDB client for dynalite, table {@link #TABLE} (tests inspect and damage the index). */
    public DynamoDbClient dynamoDb() {
        return clients.dynamoDb();
    }

    public Path directory() {
        return files.directory();
    }

    public Path envFile() {
        return files.env();
    }

    /** Stops every part in reverse order of start: the API first, dynalite's child process included. */
    @Override
    public synchronized void close() {
        RuntimeException failure = null;
        while (!parts.isEmpty()) {
            try {
                parts.pop().close();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                if (failure == null) {
                    failure = new IllegalStateException("stopping the local stack failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
