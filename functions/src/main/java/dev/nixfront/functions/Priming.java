package dev.nixfront.functions;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.nixfront.api.ApiError;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.api.CacheInfo;
import dev.nixfront.api.CacheList;
import dev.nixfront.api.CompleteUploadRequest;
import dev.nixfront.api.CompleteUploadResponse;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.api.GcRequest;
import dev.nixfront.api.GcStatus;
import dev.nixfront.api.IndexMigrationRequest;
import dev.nixfront.api.IndexMigrationResponse;
import dev.nixfront.api.InvalidJsonException;
import dev.nixfront.api.Json;
import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.MissingResponse;
import dev.nixfront.api.PartsRequest;
import dev.nixfront.api.PartsResponse;
import dev.nixfront.api.PathStatus;
import dev.nixfront.api.PinInfo;
import dev.nixfront.api.PinList;
import dev.nixfront.api.PinRequest;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResponse;
import dev.nixfront.api.RemovePathsRequest;
import dev.nixfront.api.RootsRequest;
import dev.nixfront.api.RootsResponse;
import dev.nixfront.api.TokenList;
import dev.nixfront.api.UpdateCacheRequest;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadResponse;
import dev.nixfront.aws.AwsClients;
import dev.nixfront.aws.KmsKeyVault;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.compress.CompressionStreams;
import dev.nixfront.nix.nar.NarReader;
import dev.nixfront.nix.sign.SecretKey;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.crac.Core;
import org.crac.Resource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.lambda.model.InvocationType;

/**
 * SnapStart priming: before Lambda snapshots a function's initialized JVM, run what its first
 * request would run, so that the classes are loaded, the JIT has seen the code and the lazily built
 * parts (Jackson's serializers of the function's records, the SDK clients' marshallers, signers and
 * endpoint rules, Bouncy Castle's Ed25519, zstd-jni's native library) are in the snapshot instead of
 * in every restored environment's first answer.
 *
 * <p>Nothing here changes real data. Each step is a read that finds nothing or a request the
 * service refuses or answers without effect:
 * <ul>
 *   <li>the handler itself gets one request of its own kind, authenticated by a token that can never
 *       have been issued ({@link #TOKEN}: issued tokens are {@code nf_} and 43 base64url
 *       characters), so API Gateway's event is read, routed, the token looked up in the table
 *       (a GetItem that finds nothing) and a 401 written; verify and collect get a job for a
 *       cache incarnation that cannot exist ({@link #CACHE}, incarnation {@link #INCARNATION}), which
 *       they look up and drop;</li>
 *   <li>the JSON mapping of the function's request records (read from an empty object, refused or
 *       not) and of its answers;</li>
 *   <li>publish and verify: a narinfo signed and checked with a throwaway key made from a fixed seed
 *       (never the cache's, never from the random generator), a small NAR compressed and checked as
 *       zstd and xz, a KMS Decrypt of bytes that are no ciphertext (refused) and an S3 HEAD of a
 *       staging key no upload names (404);</li>
 *   <li>upload: a presigned PUT (computed locally, never sent) and the same HEAD;</li>
 *   <li>admin: a throwaway key sealed with a KMS data key (GenerateDataKey stores nothing), as a
 *       cache creation does; admin and publish also invoke the function they hand jobs to with
 *       {@code DryRun}, which Lambda checks and does not run.</li>
 * </ul>
 * A step that fails (AWS unreachable, a permission missing) is logged and skipped: priming must
 * never fail the snapshot, and the function works without it, only its first answer is slower.
 *
 * <p>{@link #afterRestore} has nothing to re-seed, and says so in the log: the generators that make
 * secrets (tokens, signing keys, sealing nonces) are {@code NativePRNGNonBlocking}, which mixes
 * bytes from {@code /dev/urandom} into every call, so environments restored from one snapshot draw
 * different values ({@link Wiring#restoreSafeRandom}); priming draws nothing from them and caches no
 * token or key; the HTTP connections priming opened are idle in the snapshot and the JDK drops
 * idle connections older than their keep-alive (5 s) before reuse, so a restored environment opens
 * new ones. What stays the same across restored environments is {@code ThreadLocalRandom}'s
 * sequence, which only picks usage-counter shards (see {@code DynamoDbUsageCounter}).
 *
 * <p>org.crac keeps registered resources weakly; {@link #register} keeps them here so they live as
 * long as the container.
 */
public final class Priming implements Resource {
    /** The cache name every priming request is about: read, never written. */
    static final String CACHE = "nixfront-priming";
    /** A cache incarnation no cache has: created caches get 16 random hex digits. */
    static final String INCARNATION = "0000000000000000";
    /** A bearer token that can never have been issued. */
    static final String TOKEN = "nf_nixfront-priming-never-issued";
    private static final String KEY_NAME = "nixfront-priming-1";
    private static final List<Priming> REGISTERED = new CopyOnWriteArrayList<>();

    /** One thing primed: its name and what it does. */
    private record Step(String name, Action action) {}

    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }

    /**
     * What one step came to: {@code ok}; {@code refused} (the service answered with an error, as
     * expected of a request that must have no effect: its marshalling ran all the same); or
     * {@code failed} (no answer, or a bug), with the reason.
     */
    public record Outcome(String step, String result, String detail, long millis) {}

    private final String function;
    private final List<Step> steps;

    private Priming(String function, List<Step> steps) {
        this.function = function;
        this.steps = List.copyOf(steps);
    }

    /** The function this primes: query, upload, publish, verify, admin or collect. */
    public String function() {
        return function;
    }

    /**
     * The priming of {@code handler}, one of this package's handlers, whose clients and
     * configuration are {@code clients} and {@code config}.
     */
    public static Priming of(Object handler, FunctionConfig config, AwsClients clients) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clients, "clients");
        List<Step> steps = new ArrayList<>();
        String function;
        switch (handler) {
            case QueryHandler query -> {
                function = "query";
                steps.add(api(query::handleRequest, ApiRoute.MISSING, "{\"storeHashes\":[]}"));
                steps.add(json(List.of(MissingRequest.class), List.of(CacheList.class, CacheInfo.class, MissingResponse.class,
                        PathStatus.class, PinList.class)));
            }
            case UploadHandler upload -> {
                function = "upload";
                steps.add(api(upload::handleRequest, ApiRoute.UPLOADS, "{\"nars\":[]}"));
                steps.add(json(List.of(UploadRequest.class, PartsRequest.class, CompleteUploadRequest.class),
                        List.of(UploadResponse.class, PartsResponse.class, CompleteUploadResponse.class)));
                steps.add(new Step("s3 head", () -> headStaging(config, clients)));
                steps.add(new Step("s3 presign", () -> clients.s3Presigner().presignPutObject(p -> p
                        .signatureDuration(Duration.ofMinutes(1))
                        .putObjectRequest(o -> o.bucket(config.bucket()).key(stagingKey()).contentLength(1L)
                                .checksumSHA256("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")))));
            }
            case PublishHandler publish -> {
                function = "publish";
                steps.add(api(publish::handleRequest, ApiRoute.PUBLISH, "{\"paths\":[]}"));
                steps.add(json(List.of(PublishRequest.class, RootsRequest.class, PinRequest.class),
                        List.of(PublishResponse.class, RootsResponse.class, PinInfo.class)));
                verification(steps, config, clients);
                steps.add(dryRun(config.verifyFunction(), clients));
            }
            case VerifyHandler verify -> {
                function = "verify";
                steps.add(new Step("handler", () -> verify.handleRequest(Map.of("cache", CACHE, "incarnation", INCARNATION,
                        "storeHashes", List.of("00000000000000000000000000000000")), context())));
                verification(steps, config, clients);
            }
            case AdminHandler admin -> {
                function = "admin";
                steps.add(api(admin::handleRequest, ApiRoute.LIST_TOKENS, null));
                steps.add(json(List.of(CreateCacheRequest.class, UpdateCacheRequest.class, CreateTokenRequest.class,
                        GcRequest.class, RemovePathsRequest.class, IndexMigrationRequest.class),
                        List.of(CacheInfo.class, CreatedToken.class, TokenList.class, GcStatus.class, IndexMigrationResponse.class)));
                steps.add(new Step("signing key", () -> {
                    if (config.kmsKeyArn() != null) {
                        new KmsKeyVault(clients.kms(), config.kmsKeyArn()).seal(new CacheName(CACHE), throwawayKey());
                    }
                }));
                steps.add(dryRun(config.collectFunction(), clients));
            }
            case CollectHandler collect -> {
                function = "collect";
                steps.add(new Step("handler", () -> collect.handleRequest(Map.of("cache", CACHE, "incarnation", INCARNATION,
                        "run", INCARNATION, "startedAt", Instant.EPOCH.toString(), "recursive", false), context())));
                steps.add(json(List.of(), List.of(GcStatus.class)));
                steps.add(new Step("s3 head", () -> headStaging(config, clients)));
            }
            default -> throw new IllegalArgumentException("not a nixfront handler: " + handler);
        }
        return new Priming(function, steps);
    }

    /** Registers {@code priming} with the JVM's checkpoint coordination (Lambda's SnapStart hooks) and keeps it. */
    static void register(Priming priming) {
        REGISTERED.add(priming);
        Core.getGlobalContext().register(priming);
    }

    /**
     * The primings registered in this JVM, for a benchmark that plays the snapshot on a JVM without
     * checkpoints (on one, org.crac calls them itself).
     */
    public static List<Priming> registered() {
        return List.copyOf(REGISTERED);
    }

    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        prime();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        restored();
    }

    /** What {@link #afterRestore} does: nothing needs re-seeding (see above); one log line says so. */
    public void restored() {
        Map<String, String> line = new LinkedHashMap<>();
        line.put("function", function);
        line.put("random", Wiring.restoreSafeRandom().getAlgorithm());
        JsonLog.info("restored from a primed snapshot", line);
    }

    /** Runs every step, each on its own: a failure is logged and the next step runs. One log line says what was done. */
    public List<Outcome> prime() {
        List<Outcome> outcomes = new ArrayList<>();
        for (Step step : steps) {
            long start = System.nanoTime();
            String result;
            String detail = "";
            try {
                step.action().run();
                result = "ok";
            } catch (SdkServiceException e) {
                result = "refused";
                detail = e.statusCode() + " " + e.getClass().getSimpleName();
            } catch (Exception e) {
                // Also RuntimeExceptions of our own code: priming must never fail the snapshot.
                result = "failed";
                detail = e.getClass().getName() + ": " + e.getMessage();
            }
            outcomes.add(new Outcome(step.name(), result, detail, (System.nanoTime() - start) / 1_000_000));
        }
        Map<String, String> line = new LinkedHashMap<>();
        line.put("function", function);
        for (Outcome o : outcomes) {
            line.put(o.step(), o.result() + (o.detail().isEmpty() ? "" : " (" + o.detail() + ")") + " in " + o.millis() + " ms");
        }
        JsonLog.info("primed for the snapshot", line);
        return outcomes;
    }

    /** A request of the route's kind, refused at authentication: routing, the token lookup and a 401. */
    private static Step api(ApiHandler handler, ApiRoute route, String body) {
        return new Step("handler", () -> {
            List<String> values = route.parameters().stream().map(p -> "cache".equals(p) ? CACHE : "priming").toList();
            Map<String, String> parameters = new LinkedHashMap<>();
            for (int i = 0; i < values.size(); i++) {
                parameters.put(route.parameters().get(i), values.get(i));
            }
            APIGatewayV2HTTPEvent event = APIGatewayV2HTTPEvent.builder()
                    .withRouteKey(route.routeKey())
                    .withRawPath(route.path(values.toArray(String[]::new)))
                    .withPathParameters(parameters)
                    .withHeaders(Map.of("authorization", "Bearer " + TOKEN, "content-type", "application/json"))
                    .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                            .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder().withMethod(route.method()).build()).build())
                    .withBody(body)
                    .withIsBase64Encoded(false)
                    .build();
            int status = handler.handle(event, context()).getStatusCode();
            if (status != 401) {
                throw new IllegalStateException("the priming request was answered " + status + ", not 401");
            }
        });
    }

    @FunctionalInterface
    private interface ApiHandler {
        com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse handle(APIGatewayV2HTTPEvent event, Context context);
    }

    /** The function's records: each request type read from {@code {}} (refused or not), each answer's serializer built. */
    private static Step json(List<Class<?>> requests, List<Class<?>> answers) {
        return new Step("json", () -> {
            for (Class<?> type : requests) {
                try {
                    Json.readRequest("{}", type);
                } catch (InvalidJsonException expected) {
                    // Refused for a missing list: the deserializer was built all the same.
                }
            }
            for (Class<?> type : answers) {
                Json.mapper().writerFor(type);
            }
            Json.write(new ApiError("invalid", "body", "priming"));
        });
    }

    /** What publish and verify do to every path: check a NAR in both compressions, sign, open a key (refused), HEAD. */
    private static void verification(List<Step> steps, FunctionConfig config, AwsClients clients) {
        steps.add(new Step("nar", () -> {
            byte[] nar = tinyNar();
            for (Compression compression : List.of(Compression.ZSTD, Compression.XZ)) {
                ByteArrayOutputStream packed = new ByteArrayOutputStream();
                try (OutputStream out = CompressionStreams.compress(compression, packed, CompressionStreams.DEFAULT_LEVEL)) {
                    out.write(nar);
                }
                try (InputStream in = CompressionStreams.decompress(compression, new ByteArrayInputStream(packed.toByteArray()))) {
                    NarReader.verify(in);
                }
            }
        }));
        steps.add(new Step("signing", () -> {
            SecretKey key = throwawayKey();
            NarInfo signed = NarInfo.parse("StorePath: /nix/store/00000000000000000000000000000000-nixfront-priming\n"
                    + "URL: nar/0/0000000000000000000000000000000000000000000000000000.nar.zst\n"
                    + "Compression: zstd\n"
                    + "FileHash: sha256:0000000000000000000000000000000000000000000000000000\n"
                    + "FileSize: 1\n"
                    + "NarHash: sha256:0000000000000000000000000000000000000000000000000000\n"
                    + "NarSize: 1\n"
                    + "References: \n", "/nix/store").sign(key);
            if (!NarInfo.parse(signed.render(), "/nix/store").verifiedBy(key.publicKey())) {
                throw new IllegalStateException("a narinfo signed with the throwaway key does not verify");
            }
        }));
        steps.add(new Step("kms", () -> {
            if (config.kmsKeyArn() != null) {
                clients.kms().decrypt(b -> b.keyId(config.kmsKeyArn()).ciphertextBlob(SdkBytes.fromUtf8String("nixfront priming"))
                        .encryptionContext(Map.of("cache", CACHE)));
            }
        }));
        steps.add(new Step("s3 head", () -> headStaging(config, clients)));
    }

    private static void headStaging(FunctionConfig config, AwsClients clients) {
        clients.s3().headObject(b -> b.bucket(config.bucket()).key(stagingKey()));
    }

    /** Under staging, never served; no upload names it (a FileHash has 52 nix32 digits). */
    private static String stagingKey() {
        return "_staging/" + CACHE + "/0/nixfront-priming.nar.zst";
    }

    private static Step dryRun(String function, AwsClients clients) {
        return new Step("lambda", () -> {
            if (function != null) {
                clients.lambda().invoke(b -> b.functionName(function).invocationType(InvocationType.DRY_RUN)
                        .payload(SdkBytes.fromUtf8String("{}")));
            }
        });
    }

    /** A key nobody uses for anything: from a fixed seed, so priming draws nothing from the random generator. */
    private static SecretKey throwawayKey() {
        return SecretKey.fromSeed(KEY_NAME, new byte[SecretKey.SEED_SIZE]);
    }

    /** A NAR of one small regular file, as {@code nix-store --dump} writes it. */
    static byte[] tinyNar() {
        ByteArrayOutputStream nar = new ByteArrayOutputStream();
        for (String token : List.of("nix-archive-1", "(", "type", "regular", "contents", "nixfront priming\n", ")")) {
            byte[] bytes = token.getBytes(StandardCharsets.UTF_8);
            nar.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(bytes.length).array());
            nar.writeBytes(bytes);
            nar.writeBytes(new byte[(8 - bytes.length % 8) % 8]);
        }
        return nar.toByteArray();
    }

    /** The invocation context of a priming request: no request id, the runtime's logger, 15 minutes. */
    private static Context context() {
        return new Context() {
            @Override
            public String getAwsRequestId() {
                return null;
            }

            @Override
            public String getLogGroupName() {
                return null;
            }

            @Override
            public String getLogStreamName() {
                return null;
            }

            @Override
            public String getFunctionName() {
                return null;
            }

            @Override
            public String getFunctionVersion() {
                return null;
            }

            @Override
            public String getInvokedFunctionArn() {
                return "arn:aws:lambda:priming:000000000000:function:nixfront-priming";
            }

            @Override
            public CognitoIdentity getIdentity() {
                return null;
            }

            @Override
            public ClientContext getClientContext() {
                return null;
            }

            @Override
            public int getRemainingTimeInMillis() {
                return 15 * 60 * 1000;
            }

            @Override
            public int getMemoryLimitInMB() {
                return 0;
            }

            @Override
            public LambdaLogger getLogger() {
                return LambdaRuntime.getLogger();
            }
        };
    }
}
