package dev.nixfront.functions;

import dev.nixfront.aws.AwsClientConfig;
import dev.nixfront.cache.CacheSettings;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The environment of a function, read once at cold start: the only place that looks at environment
 * variables. Which ones a function gets depends on its role (see the infra {@code Functions}
 * construct): every function has the table and bucket; the API functions the cache URL; publish,
 * verify and admin the KMS key; publish the verify function; only admin the admin token secret, the
 * edge store (the KeyValueStore it keeps current) and the distribution (where it invalidates a deleted cache).
 *
 * <p>{@link #from(Map)} reads any map, so one JVM can build each role in turn from the variables the
 * synthesized template gives it (the AWS-mode tests do). Besides ours it honours the SDK's standard
 * endpoint variables, {@code AWS_ENDPOINT_URL} and {@code AWS_ENDPOINT_URL_<SERVICE>} for S3,
 * DYNAMODB, KMS, LAMBDA, SECRETS_MANAGER, CLOUDFRONT_KEYVALUESTORE and CLOUDFRONT (the service one wins), which Lambda never sets: they
 * point the clients at stand-ins.
 *
 * @param region               {@code AWS_REGION}, set by Lambda
 * @param table                {@code NIXFRONT_TABLE}, the DynamoDB table
 * @param bucket               {@code NIXFRONT_BUCKET}
 * @param kmsKeyArn            {@code NIXFRONT_KMS_KEY_ARN}, wraps cache signing keys; null where unused
 * @param verifyFunction       {@code NIXFRONT_VERIFY_FUNCTION}, name or ARN for async verification; null where unused
 * @param adminTokenSecretArn  {@code NIXFRONT_ADMIN_TOKEN_SECRET_ARN}, the bootstrap admin token; null where unused
 * @param cacheUrl             {@code NIXFRONT_CACHE_URL}, where Nix reads caches; null where unused
 * @param edgeStoreArn         {@code NIXFRONT_EDGE_STORE_ARN}, the read path's CloudFront KeyValueStore; only admin has it
 * @param distributionId       {@code NIXFRONT_DISTRIBUTION_ID}, the read path's CloudFront distribution, where a deleted
 *                             cache is invalidated; only admin has it
 * @param inlineVerifyMaxBytes {@code NIXFRONT_INLINE_VERIFY_MAX_BYTES}, default 256 MiB
 * @param collectFunction      {@code NIXFRONT_COLLECT_FUNCTION}, name or ARN of the collect function that runs
 *                             collection jobs; only admin has it
 * @param collectionFence      {@code NIXFRONT_COLLECTION_FENCE_SECONDS}, how long a collection waits between
 *                             marking and deleting; publish, verify, admin and collect must agree (the
 *                             stack gives them one value), default {@link CacheSettings#COLLECTION_FENCE}
 * @param endpoints            endpoint overrides; {@link AwsClientConfig.Endpoints#NONE} in AWS
 * @param privateAddresses     {@code NIXFRONT_PRIVATE_ADDRESSES=true}: upstreams and OpenID Connect issuers may be
 *                             http and loopback or private addresses. The stack never sets it (a function outside a
 *                             VPC reaches public addresses only); the AWS-mode tests do, for an issuer on loopback
 */
public record FunctionConfig(String region, String table, String bucket, String kmsKeyArn, String verifyFunction,
                             String adminTokenSecretArn, String cacheUrl, String edgeStoreArn, String distributionId,
                             long inlineVerifyMaxBytes, String collectFunction, Duration collectionFence,
                             AwsClientConfig.Endpoints endpoints, boolean privateAddresses) {
    public static final String REGION = "AWS_REGION";
    public static final String TABLE = "NIXFRONT_TABLE";
    public static final String BUCKET = "NIXFRONT_BUCKET";
    public static final String KMS_KEY_ARN = "NIXFRONT_KMS_KEY_ARN";
    public static final String VERIFY_FUNCTION = "NIXFRONT_VERIFY_FUNCTION";
    public static final String ADMIN_TOKEN_SECRET_ARN = "NIXFRONT_ADMIN_TOKEN_SECRET_ARN";
    public static final String CACHE_URL = "NIXFRONT_CACHE_URL";
    public static final String EDGE_STORE_ARN = "NIXFRONT_EDGE_STORE_ARN";
    public static final String DISTRIBUTION_ID = "NIXFRONT_DISTRIBUTION_ID";
    public static final String INLINE_VERIFY_MAX_BYTES = "NIXFRONT_INLINE_VERIFY_MAX_BYTES";
    public static final String COLLECT_FUNCTION = "NIXFRONT_COLLECT_FUNCTION";
    public static final String COLLECTION_FENCE_SECONDS = "NIXFRONT_COLLECTION_FENCE_SECONDS";
    public static final String PRIVATE_ADDRESSES = "NIXFRONT_PRIVATE_ADDRESSES";
    /** The SDK's own variables: every service, and one service (suffix S3, DYNAMODB, KMS, LAMBDA, SECRETS_MANAGER, CLOUDFRONT_KEYVALUESTORE, CLOUDFRONT). */
    public static final String ENDPOINT_URL = "AWS_ENDPOINT_URL";
    public static final String ENDPOINT_URL_PREFIX = "AWS_ENDPOINT_URL_";

    public FunctionConfig {
        Objects.requireNonNull(region, REGION);
        Objects.requireNonNull(table, TABLE);
        Objects.requireNonNull(bucket, BUCKET);
        Objects.requireNonNull(endpoints, "endpoints");
        if (inlineVerifyMaxBytes < 0) {
            throw new IllegalArgumentException(INLINE_VERIFY_MAX_BYTES + " must not be negative");
        }
        Objects.requireNonNull(collectionFence, COLLECTION_FENCE_SECONDS);
    }

    public static FunctionConfig fromEnvironment() {
        return from(System.getenv());
    }

    /** Reads the variables from {@code env}; a missing required one fails the cold start, naming it. */
    public static FunctionConfig from(Map<String, String> env) {
        String inline = optional(env, INLINE_VERIFY_MAX_BYTES);
        long inlineBytes;
        try {
            inlineBytes = inline == null ? CacheSettings.DEFAULT_INLINE_VERIFY_MAX_BYTES : Long.parseLong(inline);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(INLINE_VERIFY_MAX_BYTES + " must be a number of bytes, got '" + inline + "'", e);
        }
        return new FunctionConfig(required(env, REGION), required(env, TABLE), required(env, BUCKET),
                optional(env, KMS_KEY_ARN), optional(env, VERIFY_FUNCTION), optional(env, ADMIN_TOKEN_SECRET_ARN),
                optional(env, CACHE_URL), optional(env, EDGE_STORE_ARN), optional(env, DISTRIBUTION_ID), inlineBytes, optional(env, COLLECT_FUNCTION),
                fence(optional(env, COLLECTION_FENCE_SECONDS)), endpoints(env), flag(env, PRIVATE_ADDRESSES));
    }

    private static boolean flag(Map<String, String> env, String name) {
        String value = optional(env, name);
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw new IllegalStateException(name + " must be true or false, got '" + value + "'");
    }

    private static Duration fence(String seconds) {
        if (seconds == null) {
            return CacheSettings.COLLECTION_FENCE;
        }
        try {
            long value = Long.parseLong(seconds);
            if (value < 1) {
                throw new IllegalStateException(COLLECTION_FENCE_SECONDS + " must be at least 1, got " + value);
            }
            return Duration.ofSeconds(value);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(COLLECTION_FENCE_SECONDS + " must be a number of seconds, got '" + seconds + "'", e);
        }
    }

    /** The client configuration: this region, these endpoints, the SDK's default credentials. */
    public AwsClientConfig clientConfig() {
        return new AwsClientConfig(software.amazon.awssdk.regions.Region.of(region), endpoints, null);
    }

    private static AwsClientConfig.Endpoints endpoints(Map<String, String> env) {
        return new AwsClientConfig.Endpoints(endpoint(env, "S3"), endpoint(env, "DYNAMODB"), endpoint(env, "KMS"),
                endpoint(env, "LAMBDA"), endpoint(env, "SECRETS_MANAGER"), endpoint(env, "CLOUDFRONT_KEYVALUESTORE"),
                endpoint(env, "CLOUDFRONT"));
    }

    private static URI endpoint(Map<String, String> env, String service) {
        String name = ENDPOINT_URL_PREFIX + service;
        String value = optional(env, name);
        if (value == null) {
            name = ENDPOINT_URL;
            value = optional(env, name);
        }
        if (value == null) {
            return null;
        }
        try {
            URI uri = new URI(value);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalStateException(name + " must be an absolute http(s) URL, got '" + value + "'");
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(name + " must be an absolute http(s) URL, got '" + value + "'", e);
        }
    }

    /** The domain settings: defaults, with this function's cache URL and inline verification bound. */
    public CacheSettings settings() {
        CacheSettings settings = CacheSettings.defaults(cacheUrl == null ? "" : cacheUrl).withInlineVerifyMaxBytes(inlineVerifyMaxBytes)
                .withInlineBatchBudgetBytes(inlineVerifyMaxBytes).withCollectionFence(collectionFence);
        return privateAddresses ? settings.withUpstreams(settings.upstreams().withPrivateAddresses(true)) : settings;
    }

    private static String required(Map<String, String> env, String name) {
        String value = optional(env, name);
        if (value == null) {
            throw new IllegalStateException("the environment variable " + name + " is not set");
        }
        return value;
    }

    private static String optional(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }
}
