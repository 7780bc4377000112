package dev.nixfront.functions;

import com.amazonaws.services.lambda.runtime.Context;
import dev.nixfront.aws.AdminTokenSecret;
import dev.nixfront.aws.AwsClients;
import dev.nixfront.aws.AwsPorts;
import dev.nixfront.aws.CloudFrontEdgeCache;
import dev.nixfront.aws.KeyValueStoreEdgeStore;
import dev.nixfront.aws.KmsKeyVault;
import dev.nixfront.aws.LambdaEvents;
import dev.nixfront.aws.LambdaVerificationQueue;
import dev.nixfront.aws.EmfMetrics;
import dev.nixfront.cache.Ports;
import dev.nixfront.cache.Services;
import dev.nixfront.cache.TokenService;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CollectionQueue;
import dev.nixfront.cache.port.EdgeCache;
import dev.nixfront.cache.port.EdgeStore;
import dev.nixfront.cache.port.KeyVault;
import dev.nixfront.cache.port.VerificationQueue;
import dev.nixfront.nix.sign.SecretKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds the services of a Lambda container from the AWS adapters, once. A function only gets the
 * permissions and variables of its role, so a port it has no configuration for is wired to one
 * that refuses to work, and the SDK client behind it is never built.
 *
 * <p>The handlers' no-argument constructors (Lambda's entry) call {@link #services()}, which is
 * {@link #forEnvironment} of the process environment, memoized. {@link #forEnvironment} is the seam
 * the AWS-mode tests use to build each role in one JVM from the variables its template gives it.
 */
public final class Wiring {
    /** The description of the bootstrap admin token's records in the token table. */
    static final String BOOTSTRAP_DESCRIPTION = "bootstrap admin token (Secrets Manager)";

    private static Services services;
    private static AwsClients clients;
    private static FunctionConfig config;

    private Wiring() {}

    /** The container's services, built on first use from {@link FunctionConfig#fromEnvironment()}. */
    static synchronized Services services() {
        if (services == null) {
            config = FunctionConfig.fromEnvironment();
            clients = AwsClients.create(config.clientConfig());
            services = create(config, clients, ports(config, clients));
        }
        return services;
    }

    /**
     * Registers the SnapStart priming of {@code handler}, built by Lambda's entry (the no-argument
     * constructor) on this container's services, clients and configuration.
     */
    static void registerPriming(Object handler) {
        synchronized (Wiring.class) {
            services();
            Priming.register(Priming.of(handler, config, clients));
        }
    }

    /**
     * The priming of a handler built with {@link #forEnvironment} (the AWS-mode tests), on clients
     * for the same environment.
     */
    public static Priming priming(Object handler, Map<String, String> environment) {
        FunctionConfig config = FunctionConfig.from(environment);
        return Priming.of(handler, config, AwsClients.create(config.clientConfig()));
    }

    /**
     * Where a verify run hands on what does not fit its time: the function itself, through the ARN
     * it was invoked by (the alias {@code live}, as publish calls it). Only the running invocation
     * knows that ARN; the stack cannot put a function's own alias into its environment (a cycle).
     */
    static VerificationQueue invokedFunction(Context context) {
        synchronized (Wiring.class) {
            services();
            return new LambdaVerificationQueue(clients.lambda(), context.getInvokedFunctionArn());
        }
    }

    /**
     * Where a collection job hands on what does not fit its time: the collect function itself,
     * through the ARN it was invoked by, as {@link #invokedFunction} does for verify.
     */
    static CollectionQueue invokedCollector(Context context) {
        synchronized (Wiring.class) {
            services();
            return LambdaEvents.collections(clients.lambda(), context.getInvokedFunctionArn());
        }
    }

    /** {@link #invokedCollector} for a collect function built with {@link #forEnvironment} (the AWS-mode tests). */
    public static Function<Context, CollectionQueue> invokedCollector(Map<String, String> environment) {
        AwsClients built = AwsClients.create(FunctionConfig.from(environment).clientConfig());
        return context -> LambdaEvents.collections(built.lambda(), context.getInvokedFunctionArn());
    }

    /** The services of a function whose environment is {@code environment}: what Lambda's cold start builds. */
    public static Services forEnvironment(Map<String, String> environment) {
        FunctionConfig config = FunctionConfig.from(environment);
        AwsClients built = AwsClients.create(config.clientConfig());
        return create(config, built, ports(config, built));
    }

    /**
     * The function that holds the admin token secret (only admin) reads its cleartext here, once, and
     * records its hash in the token table like any other token's: the other functions authenticate
     * it by hash and never need {@code secretsmanager:GetSecretValue}. With SnapStart this runs when
     * the version is published, so a deployment has its admin token before its first request.
     */
    static Services create(FunctionConfig config, AwsClients clients, Ports ports) {
        Services services = Services.create(ports, config.settings(), Clock.systemUTC(), restoreSafeRandom());
        if (config.edgeStoreArn() != null) {
            // The read path refuses a cache its store lacks, so a store created by this deployment (or
            // replaced by it) is filled before the first request: with SnapStart this runs when the
            // version is published, during the deployment. A failure fails the publish, and so the
            // deployment, rather than leaving every cache 404.
            services.edge().ensureFilled();
        }
        if (config.adminTokenSecretArn() != null) {
            String hash = AdminTokenSecret.read(clients.secretsManager(), config.adminTokenSecretArn()).sha256Hex();
            if (services.tokens().registerBootstrap(hash, BOOTSTRAP_DESCRIPTION) == TokenService.Bootstrap.REVOKED) {
                JsonLog.error(null, "the admin token secret " + config.adminTokenSecretArn() + " holds a value that was"
                        + " revoked (revoked, or an earlier value put back after a rotation): it logs nobody in. Put a new"
                        + " value and deploy with a new nixfront:adminTokenVersion (docs/deploy.md)");
            }
        }
        return services;
    }

    /**
     * The ports of a function: a port it has no variable for refuses to work. The edge store is the
     * CloudFront KeyValueStore where {@code NIXFRONT_EDGE_STORE_ARN} is set (admin only: it alone
     * changes caches and tokens, and it runs the reconciler), else {@link EdgeStore#NONE}. The edge
     * cache is the distribution where {@code NIXFRONT_DISTRIBUTION_ID} is set (admin only: it alone
     * deletes caches), else one that refuses: a function that deleted a cache without it would
     * leave the edge serving it, so it fails instead.
     */
    static Ports ports(FunctionConfig config, AwsClients clients) {
        KeyVault keys = config.kmsKeyArn() == null
                ? unconfigured(FunctionConfig.KMS_KEY_ARN)
                : new KmsKeyVault(clients.kms(), config.kmsKeyArn(), restoreSafeRandom());
        VerificationQueue queue = config.verifyFunction() == null
                ? job -> {
                    throw new IllegalStateException(FunctionConfig.VERIFY_FUNCTION + " is not set for this function");
                }
                : new LambdaVerificationQueue(clients.lambda(), config.verifyFunction());
        EdgeStore edge = config.edgeStoreArn() == null
                ? EdgeStore.NONE
                : new KeyValueStoreEdgeStore(clients.keyValueStore(), config.edgeStoreArn());
        CollectionQueue collections = config.collectFunction() == null
                ? job -> {
                    throw new IllegalStateException(FunctionConfig.COLLECT_FUNCTION + " is not set for this function");
                }
                : LambdaEvents.collections(clients.lambda(), config.collectFunction());
        EdgeCache edgeCache = config.distributionId() == null
                ? cache -> {
                    throw new IllegalStateException(FunctionConfig.DISTRIBUTION_ID + " is not set for this function");
                }
                : new CloudFrontEdgeCache(clients.cloudFront(), config.distributionId(), Clock.systemUTC());
        return AwsPorts.create(clients, config.bucket(), config.table(), keys, queue,
                new EmfMetrics(System.out, Clock.systemUTC()), edge, collections, edgeCache);
    }

    /**
     * Token secrets and signing keys come from this generator, and SnapStart resumes many
     * environments from one snapshot of it. NativePRNG mixes fresh bytes from /dev/urandom into
     * every call, so environments resumed from the same snapshot still draw different secrets; a
     * seeded DRBG held in the snapshot would repeat them.
     */
    static SecureRandom restoreSafeRandom() {
        try {
            return SecureRandom.getInstance("NativePRNGNonBlocking");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("Lambda's Linux JVM has NativePRNGNonBlocking", e);
        }
    }

    private static KeyVault unconfigured(String variable) {
        return new KeyVault() {
            @Override
            public byte[] seal(CacheName cache, SecretKey key) {
                throw new IllegalStateException(variable + " is not set for this function");
            }

            @Override
            public SecretKey open(CacheName cache, byte[] sealed) {
                throw new IllegalStateException(variable + " is not set for this function");
            }
        };
    }
}
