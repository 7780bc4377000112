package dev.nixfront.infra;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.AssetHashType;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.events.CronOptions;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.RuleTargetInput;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.iam.Grant;
import software.amazon.awscdk.services.iam.GrantOnPrincipalOptions;
import software.amazon.awscdk.services.iam.IGrantable;
import software.amazon.awscdk.services.iam.Policy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.IDestination;
import software.amazon.awscdk.services.lambda.ILayerVersion;
import software.amazon.awscdk.services.lambda.LayerVersion;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.destinations.SqsDestination;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.assets.AssetOptions;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * The six functions, one per privilege boundary, and what each may touch. Permissions are granted
 * with exact actions on exact resources; the only wildcards are in object keys, because a cache's
 * name is the first segment of every key ({@code <cache>/nar/...}, {@code <cache>/<hash>.narinfo})
 * and the second of every staging key ({@code _staging/<cache>/...}).
 *
 * <pre>
 *          S3 (objects by key shape; ListBucket)                  DynamoDB       KMS              other
 * query    get *.narinfo; list                                    read           -                -
 * upload   put _staging/*; head &#42;/nar/*, &#42;/log/*;                   read           -                -
 *          abort+delete _staging/*; list
 * publish  get &#42;/nar/*, _staging/*; put *.narinfo, &#42;/nar/*;       read, write    Decrypt          invoke verify
 *          abort &#42;/nar/*; delete _staging/*; list;
 *          get+put+delete &#42;/log/* (build logs)
 * verify   same S3 as publish                                     read, put      Decrypt          failure queue, invoke verify
 * admin    put &#42;/nix-cache-info; delete+abort * (a cache's own     read, write    GenerateDataKey  admin secret (read),
 *                                                                                                  edge store (write)
 *          prefix and _staging/&lt;cache&gt;/); list, list multipart uploads                   edge store: describe,
 *                                                                                                   update and list keys;
 *                                                                                                  distribution: create
 *                                                                                                   invalidation;
 *                                                                                                   invoke collect
 * collect  delete *.narinfo, &#42;/nar/*, &#42;/log/*; list                read, write    -                invoke collect
 * </pre>
 *
 * Only the admin function reads the admin token secret: at cold start it records the token's hash
 * in the table like any other token's, and every other function authenticates it by hash, so a flaw
 * in query, upload or publish cannot yield the admin token. Only publish and verify can write under
 * {@code nar/} (the copy of what they verified) or a narinfo, and only they can decrypt a signing
 * key; the KMS key policy itself says so ({@link Storage#restrictSigningKeyUse}), each use bound to a
 * cache's encryption context. The upload function presigns for staging keys alone, so no presigned
 * URL can write anything that is served. Table writes
 * are bound to the items' partition keys ({@code dynamodb:LeadingKeys}), so publish and verify can
 * write path items and garbage collection's bookkeeping only ({@code PATH#<cache>#<hash>}, and the
 * roots, pins and usage counters of a write token's pushes) and could never mint a token, and the
 * admin writes exactly the items its operations touch:
 * <pre>
 * publish          PutItem PATH#* PINS#*; UpdateItem ROOTS#* USAGE#*; DeleteItem PINS#*
 * verify           PutItem PATH#*; UpdateItem USAGE#*
 * admin            PutItem CACHE#* TOKEN#* GC#*; UpdateItem CACHE#* (mark deleted) TOKEN#* (revoke) GC#*; DeleteItem CACHE#*;
 *                  BatchWriteItem PATH#* ROOTS#* PINS#* USAGE#* NAR#* GC#* (a deleted cache's items)
 * collect          UpdateItem PATH#* (state only) NAR#* USAGE#* GC#*; DeleteItem PATH#* NAR#*; PutItem GC#*;
 *                  BatchWriteItem ROOTS#* (roots past the retention)
 * </pre>
 */
public final class Functions extends Construct {
    public static final String ENV_TABLE = "NIXFRONT_TABLE";
    public static final String ENV_BUCKET = "NIXFRONT_BUCKET";
    public static final String ENV_KMS_KEY_ARN = "NIXFRONT_KMS_KEY_ARN";
    public static final String ENV_VERIFY_FUNCTION = "NIXFRONT_VERIFY_FUNCTION";
    public static final String ENV_ADMIN_TOKEN_SECRET_ARN = "NIXFRONT_ADMIN_TOKEN_SECRET_ARN";
    public static final String ENV_CACHE_URL = "NIXFRONT_CACHE_URL";
    public static final String ENV_INLINE_VERIFY_MAX_BYTES = "NIXFRONT_INLINE_VERIFY_MAX_BYTES";
    public static final String ENV_EDGE_STORE_ARN = "NIXFRONT_EDGE_STORE_ARN";
    public static final String ENV_COLLECT_FUNCTION = "NIXFRONT_COLLECT_FUNCTION";
    public static final String ENV_COLLECTION_FENCE_SECONDS = "NIXFRONT_COLLECTION_FENCE_SECONDS";
    /** The daily event that makes the collect function start a collection of every cache with a policy (CollectHandler.DAILY). */
    static final Map<String, Object> DAILY_COLLECTION = Map.of("schedule", "daily");
    public static final String ENV_DISTRIBUTION_ID = "NIXFRONT_DISTRIBUTION_ID";
    /** The scheduled event that makes the admin function run the edge reconciler (AdminHandler.EDGE_SYNC). */
    static final String EDGE_SYNC_ROUTE_KEY = "nixfront:edge-sync";
    /** How often the reconciler runs: what a crash between a table write and a store write can leave, at most this long. */
    static final Duration EDGE_SYNC_RATE = Duration.minutes(5);
    /**
     * Read by no code: the admin function reads the admin token at init, which SnapStart snapshots,
     * so a rotated token only takes effect in a new version of it; changing this value publishes one.
     */
    public static final String ENV_ADMIN_TOKEN_VERSION = "NIXFRONT_ADMIN_TOKEN_VERSION";

    // Partition keys of the table's items, as layers/aws builds them: CACHE#<name>, TOKEN#<sha256 hex>,
    // PATH#<cache>#<store hash> (DynamoDbCacheRepository, DynamoDbTokenRepository, DynamoDbPathIndex).
    private static final String CACHE_ITEMS = "CACHE#*";
    private static final String TOKEN_ITEMS = "TOKEN#*";
    private static final String PATH_ITEMS = "PATH#*";
    private static final String NAR_ITEMS = "NAR#*";
    /** What a publisher's UpdateItem of a path item may name: taking a collecting path back. */
    static final List<String> REVIVE_ATTRIBUTES = List.of("pk", "sk", "state", "attempt");
    /** What a publisher's UpdateItem of a NAR record may name: its claim. */
    static final List<String> CLAIM_ATTRIBUTES = List.of("pk", "sk", "users", "claimedAt", "doomedAt", "deleting", "narKey",
            "gsi2pk", "gsi2sk");
    /** What the collect function's UpdateItem of a path item may name: a collection's state changes. */
    static final List<String> COLLECT_ATTRIBUTES = List.of("pk", "sk", "state", "attempt", "updatedAt");
    /** What the collect function's UpdateItem of a NAR record may name: every field of it. */
    static final List<String> NAR_ATTRIBUTES = List.of("pk", "sk", "users", "claimedAt", "doomedAt", "deleting", "narKey",
            "gsi2pk", "gsi2sk");
    // Garbage collection's bookkeeping: ROOTS#<cache>#<shard>, PINS#<cache>, USAGE#<cache>#<shard>
    // (DynamoDbRootRepository, DynamoDbPinRepository, DynamoDbUsageCounter; <cache> with its incarnation).
    private static final String ROOT_ITEMS = "ROOTS#*";
    private static final String PIN_ITEMS = "PINS#*";
    private static final String USAGE_ITEMS = "USAGE#*";
    /** A cache's collection lease and last outcome (DynamoDbCollectionRepository). */
    private static final String GC_ITEMS = "GC#*";
    /** A cache's OpenID Connect trusts, TRUSTS#<cache> with its incarnation (DynamoDbTrustRepository). */
    private static final String TRUST_ITEMS = "TRUSTS#*";
    /**
     * Build logs, {@code <cache>/log/<Deriver basename>}. The pattern also matches a log's staging key
     * ({@code _staging/<cache>/log/...}), which is never served, and no other key a cache holds (NAR
     * keys are {@code nar/<one character>/...}).
     */
    static final String LOG_KEYS = "*/log/*";
    private static final String LEADING_KEYS = "dynamodb:LeadingKeys";
    /** The attributes the listing migration touches: the table's keys and both indexes' keys. */
    static final List<String> LISTING_ATTRIBUTES = List.of("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk");

    /**
     * @param storage              the bucket, table, key and secret the functions work on
     * @param cacheUrl             https URL Nix substitutes from (CloudFront or the custom domain)
     * @param functionsJar         the thin functions jar
     * @param layerZip             the layer zip ({@code java/lib/*.jar})
     * @param inlineVerifyMaxBytes NARs up to this size are verified within the publish request
     * @param logRetention         retention of the function log groups
     * @param adminTokenVersion    see {@link #ENV_ADMIN_TOKEN_VERSION}
     * @param edgeStoreArn         the read path's CloudFront KeyValueStore, which only the admin function writes
     * @param collectionFenceSeconds how long a collection waits between marking and deleting; publish, verify and collect share it
     * @param distributionId       the read path's CloudFront distribution, where only the admin function
     *                             invalidates a deleted cache
     */
    public record Props(
            Storage storage,
            String cacheUrl,
            Path functionsJar,
            Path layerZip,
            long inlineVerifyMaxBytes,
            RetentionDays logRetention,
            String adminTokenVersion,
            String edgeStoreArn,
            int collectionFenceSeconds,
            String distributionId) {
    }

    private final LayerVersion layer;
    private final LayerVersion edgeLayer;
    private final Queue verifyFailures;
    private final NixfrontFunction query;
    private final NixfrontFunction upload;
    private final NixfrontFunction publish;
    private final NixfrontFunction verify;
    private final NixfrontFunction admin;
    private final NixfrontFunction collect;

    public Functions(Construct scope, String id, Props props) {
        super(scope, id);
        Storage storage = props.storage();

        layer = LayerVersion.Builder.create(this, "SharedLibraries")
                .description("nixfront shared modules and third-party jars (java/lib)")
                .code(asset(props.layerZip()))
                .compatibleRuntimes(List.of(Runtime.JAVA_21))
                .compatibleArchitectures(List.of(Architecture.ARM_64))
                .build();
        // Only the admin function writes CloudFront's KeyValueStore (SigV4A: the native CRT signer,
        // ~23 MB), so only it gets this layer, built beside the shared one by layers/lambda-layer.
        edgeLayer = LayerVersion.Builder.create(this, "EdgeLibraries")
                .description("nixfront KeyValueStore client and CRT signer (java/lib), for the admin function only")
                .code(asset(edgeLayerZip(props.layerZip())))
                .compatibleRuntimes(List.of(Runtime.JAVA_21))
                .compatibleArchitectures(List.of(Architecture.ARM_64))
                .build();
        Code code = asset(props.functionsJar());

        verifyFailures = Queue.Builder.create(this, "VerifyFailures")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build();
        Nag.suppress(verifyFailures, "AwsSolutions-SQS3",
                "This queue is the failure destination of the verify function (the place failures end up); "
                        + "a dead-letter queue behind it would only move the same records one step further.");

        // Sorted maps throughout: a Map.of iterates in an order that changes from JVM to JVM, and so
        // would the synthesized template.
        Map<String, String> common = new TreeMap<>(Map.of(
                ENV_TABLE, storage.table().getTableName(),
                ENV_BUCKET, storage.bucket().getBucketName()));
        Map<String, String> api = with(common, ENV_CACHE_URL, props.cacheUrl());
        String kmsKeyArn = storage.signingKeyWrap().getKeyArn();
        String fence = Integer.toString(props.collectionFenceSeconds());

        query = function("Query", "QueryHandler", "lists caches, reads cache info, answers which paths are missing",
                1024, Duration.seconds(15), true, api, null, code, List.of(layer), props);
        upload = function("Upload", "UploadHandler", "presigns S3 PUT/UploadPart URLs for staging keys only",
                1024, Duration.seconds(15), true, api, null, code, List.of(layer), props);
        verify = function("Verify", "VerifyHandler", "verifies large NARs asynchronously, then signs and writes their narinfo",
                3008, Duration.minutes(15), false, with(common, ENV_KMS_KEY_ARN, kmsKeyArn, ENV_COLLECTION_FENCE_SECONDS, fence),
                new SqsDestination(verifyFailures), code, List.of(layer), props);
        // Reads every path item of a cache into memory (a plan of the whole closure graph): memory
        // bounds the largest cache one collection handles (docs/design.md, "Garbage collection").
        collect = function("Collect", "CollectHandler", "runs garbage collections and removals of paths, daily and on demand",
                3008, Duration.minutes(15), false, with(common, ENV_COLLECTION_FENCE_SECONDS, fence), null, code, List.of(layer), props);
        publish = function("Publish", "PublishHandler", "verifies NARs, signs and writes narinfo, indexes paths",
                2048, Duration.seconds(29), false,
                with(api, ENV_KMS_KEY_ARN, kmsKeyArn, ENV_COLLECTION_FENCE_SECONDS, fence,
                        ENV_VERIFY_FUNCTION, verify.alias().getFunctionArn(),
                        ENV_INLINE_VERIFY_MAX_BYTES, Long.toString(props.inlineVerifyMaxBytes())),
                null, code, List.of(layer), props);
        admin = function("Admin", "AdminHandler", "creates and deletes caches and tokens, wraps new signing keys",
                1024, Duration.seconds(29), true, with(api, ENV_KMS_KEY_ARN, kmsKeyArn,
                        ENV_ADMIN_TOKEN_SECRET_ARN, storage.adminToken().getSecretArn(),
                        ENV_ADMIN_TOKEN_VERSION, props.adminTokenVersion(),
                        ENV_EDGE_STORE_ARN, props.edgeStoreArn(),
                        ENV_DISTRIBUTION_ID, props.distributionId(),
                        ENV_COLLECT_FUNCTION, collect.alias().getFunctionArn()), null, code, List.of(layer, edgeLayer), props);

        grantPermissions(storage);
        edgeStore(props.edgeStoreArn());
        invalidations(props.distributionId());
    }

    private void grantPermissions(Storage storage) {
        List<String> read = List.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem");
        String nar = "*/nar/*";
        String staging = Storage.STAGING_PREFIX + "*";
        String log = LOG_KEYS;

        table(query, storage, read);
        // Status looks at a path's narinfo when the index does not call it published (a lost index
        // item): what CloudFront serves anyway. ListBucket makes a missing key a 404 rather than a 403.
        objects(query, storage, List.of("s3:GetObject"), "*.narinfo");
        bucket(query, storage, "s3:ListBucket");

        // Presigns a single PUT or a multipart upload, both under staging (CreateMultipartUpload, UploadPart
        // and CompleteMultipartUpload are all s3:PutObject in IAM): a presigned request is signed with this
        // role, so with no write on */nar/* none can ever write what is served. HeadObject (s3:GetObject)
        // on */nar/* answers "already published"; ListBucket makes a missing key a 404 rather than a 403.
        objects(upload, storage, List.of("s3:PutObject"), staging);
        objects(upload, storage, List.of("s3:AbortMultipartUpload", "s3:DeleteObject"), staging);
        // HeadObject on */log/*: a deriver whose build log the cache has is not uploaded again.
        objects(upload, storage, List.of("s3:GetObject"), nar, log);
        bucket(upload, storage, "s3:ListBucket");
        table(upload, storage, read);

        for (NixfrontFunction writer : List.of(publish, verify)) {
            // Reads what it verifies, and an existing narinfo back when a second publisher (or a retry
            // after a crash) finds it already written, to compare it with what is being published.
            objects(writer, storage, List.of("s3:GetObject"), nar, staging, "*.narinfo");
            // Writes the narinfo (conditionally), and copies verified staging objects to their NAR key
            // (CopyObject: s3:GetObject on the source, s3:PutObject on the target), in parts above 5 GB,
            // aborting a copy that does not complete. The only writers of */nar/*.
            objects(writer, storage, List.of("s3:PutObject"), "*.narinfo", nar);
            objects(writer, storage, List.of("s3:AbortMultipartUpload"), nar);
            // Deletes the staging object it copied; and undoes what it wrote (narinfo, NAR it copied,
            // index item) when a deletion of the cache overtook it or a collection meets it.
            objects(writer, storage, List.of("s3:DeleteObject"), staging, "*.narinfo", nar);
            bucket(writer, storage, "s3:ListBucket");
            table(writer, storage, read);
            tableWrites(writer, storage, List.of("dynamodb:DeleteItem"), PATH_ITEMS);
            // Right before a narinfo: takes a reference back from a collection (a path item's state
            // only) and claims the NAR (the NAR record's users and times only).
            attributeUpdates(writer, storage, PATH_ITEMS, REVIVE_ATTRIBUTES);
            attributeUpdates(writer, storage, NAR_ITEMS, CLAIM_ATTRIBUTES);
            signingKey(writer, storage, "kms:Decrypt");
        }
        // Build logs: publish alone verifies and stores them, a CopyObject from staging (s3:PutObject on the
        // target) after a HeadObject of the target (s3:GetObject), and deletes what it stored when a deletion
        // of the cache overtook it. Never multipart: a log is at most 256 MiB.
        objects(publish, storage, List.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject"), log);
        // Both write path items and add what they publish to the cache's usage counters (UpdateItem ADD).
        // Publish also serves a write token's roots (an UpdateItem that keeps the later time) and pins
        // (a PutItem conditional on the version read, a DeleteItem): bookkeeping of the same writers.
        tableWrites(publish, storage, List.of("dynamodb:PutItem"), PATH_ITEMS, PIN_ITEMS);
        tableWrites(publish, storage, List.of("dynamodb:UpdateItem"), ROOT_ITEMS, USAGE_ITEMS);
        tableWrites(publish, storage, List.of("dynamodb:DeleteItem"), PIN_ITEMS);
        tableWrites(verify, storage, List.of("dynamodb:PutItem"), PATH_ITEMS);
        tableWrites(verify, storage, List.of("dynamodb:UpdateItem"), USAGE_ITEMS);
        verify.alias().grantInvoke(publish.role());
        // A verify run that is out of time invokes its own alias with the rest of its job. In a policy
        // of its own: the role's default policy is a dependency of the function, and the alias
        // depends on the function, so granting through the default policy would be a cycle.
        Policy.Builder.create(this, "VerifyHandsOn")
                .roles(List.of(verify.role()))
                .statements(List.of(PolicyStatement.Builder.create()
                        .actions(List.of("lambda:InvokeFunction"))
                        .resources(List.of(verify.alias().getFunctionArn()))
                        .build()))
                .build();

        objects(admin, storage, List.of("s3:PutObject"), "*/nix-cache-info");
        // Deleting a cache lists its prefix and its staging prefix (_staging/<cache>/), deletes every
        // object under them whatever the key shape, and aborts multipart uploads still open there.
        objects(admin, storage, List.of("s3:DeleteObject", "s3:AbortMultipartUpload"), "*");
        bucket(admin, storage, "s3:ListBucket");
        bucket(admin, storage, "s3:ListBucketMultipartUploads");
        table(admin, storage, read);
        // Creates caches and tokens (conditional puts), revokes tokens, deletes a cache's path items, roots,
        // pins, trusts and usage counters in batches and then the cache item: nothing else.
        // Starting a collection takes the cache's lease (a conditional PutItem of its GC# item).
        // Adds and removes a cache's OpenID Connect trusts; the tokens an exchange makes are TOKEN# puts.
        tableWrites(admin, storage, List.of("dynamodb:PutItem"), CACHE_ITEMS, TOKEN_ITEMS, GC_ITEMS, TRUST_ITEMS);
        // UpdateItem GC#*: a collection that could not be queued gives its lease up at once.
        tableWrites(admin, storage, List.of("dynamodb:UpdateItem"), CACHE_ITEMS, TOKEN_ITEMS, GC_ITEMS);
        listingMoves(admin, storage);
        tableWrites(admin, storage, List.of("dynamodb:DeleteItem"), CACHE_ITEMS, TRUST_ITEMS);
        tableWrites(admin, storage, List.of("dynamodb:BatchWriteItem"), PATH_ITEMS, ROOT_ITEMS, PIN_ITEMS, USAGE_ITEMS, NAR_ITEMS,
                GC_ITEMS, TRUST_ITEMS);
        // Collections run in the collect function; the admin only queues them.
        collect.alias().grantInvoke(admin.role());
        collections(storage);
        // Envelope encryption: a fresh data key per signing key; the admin never needs to decrypt one.
        signingKey(admin, storage, "kms:GenerateDataKey");
        // The only reader of the admin token: it registers the token's hash at cold start.
        storage.adminToken().grantRead(admin.role());
        storage.restrictSigningKeyUse(List.of(publish.role(), verify.role()), List.of(admin.role()));

        String bucketArn = "Resource::<" + Nag.logicalId(storage.bucket()) + ".Arn>";
        String why = "The first key segment is the cache name, which is data (many caches per deployment), "
                + "so object permissions name the key shape, never a fixed key.";
        Nag.suppress(query.role(), "AwsSolutions-IAM5", why, List.of(bucketArn + "/*.narinfo"));
        Nag.suppress(upload.role(), "AwsSolutions-IAM5", why,
                List.of(bucketArn + "/" + nar, bucketArn + "/" + staging, bucketArn + "/" + log));
        Nag.suppress(publish.role(), "AwsSolutions-IAM5", why,
                List.of(bucketArn + "/" + nar, bucketArn + "/" + staging, bucketArn + "/*.narinfo", bucketArn + "/" + log));
        Nag.suppress(verify.role(), "AwsSolutions-IAM5", why,
                List.of(bucketArn + "/" + nar, bucketArn + "/" + staging, bucketArn + "/*.narinfo"));
        Nag.suppress(admin.role(), "AwsSolutions-IAM5", why
                        + " Deleting a cache must delete all its objects (nix-cache-info, narinfo, nar, and its"
                        + " staging area under " + Storage.STAGING_PREFIX + ").",
                List.of(bucketArn + "/*/nix-cache-info", bucketArn + "/*"));
    }

    /**
     * The collect function: moves paths through collecting and deleting (their state only), deletes
     * their narinfos and items, dooms, deletes and forgets NAR records and objects, subtracts from
     * the usage counters, removes roots past the retention, holds and extends its cache's lease, and
     * hands the rest of a job to its own alias. A daily rule starts the collections of caches with a
     * policy. It reads no key, decrypts nothing and writes nothing that is served.
     */
    private void collections(Storage storage) {
        table(collect, storage, List.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"));
        attributeUpdates(collect, storage, PATH_ITEMS, COLLECT_ATTRIBUTES);
        attributeUpdates(collect, storage, NAR_ITEMS, NAR_ATTRIBUTES);
        tableWrites(collect, storage, List.of("dynamodb:DeleteItem"), PATH_ITEMS, NAR_ITEMS);
        tableWrites(collect, storage, List.of("dynamodb:UpdateItem"), USAGE_ITEMS, GC_ITEMS);
        tableWrites(collect, storage, List.of("dynamodb:PutItem"), GC_ITEMS);
        tableWrites(collect, storage, List.of("dynamodb:BatchWriteItem"), ROOT_ITEMS);
        objects(collect, storage, List.of("s3:DeleteObject"), "*.narinfo", "*/nar/*", LOG_KEYS);
        bucket(collect, storage, "s3:ListBucket");
        // In a policy of its own, as VerifyHandsOn: the role's default policy is a dependency of the function.
        Policy.Builder.create(this, "CollectHandsOn")
                .roles(List.of(collect.role()))
                .statements(List.of(PolicyStatement.Builder.create()
                        .actions(List.of("lambda:InvokeFunction"))
                        .resources(List.of(collect.alias().getFunctionArn()))
                        .build()))
                .build();
        Nag.suppress(collect.role(), "AwsSolutions-IAM5", "The first key segment is the cache name, which is data (many caches "
                        + "per deployment), so object permissions name the key shape, never a fixed key.",
                List.of("Resource::<" + Nag.logicalId(storage.bucket()) + ".Arn>/*.narinfo",
                        "Resource::<" + Nag.logicalId(storage.bucket()) + ".Arn>/*/nar/*",
                        "Resource::<" + Nag.logicalId(storage.bucket()) + ".Arn>/" + LOG_KEYS));
        Rule.Builder.create(this, "DailyCollection")
                .description("nixfront: collect the garbage of every cache with a retention or a size limit")
                .schedule(Schedule.cron(CronOptions.builder().minute("17").hour("3").build()))
                .targets(List.of(LambdaFunction.Builder.create(collect.alias())
                        .event(RuleTargetInput.fromObject(DAILY_COLLECTION))
                        .retryAttempts(2)
                        .build()))
                .build();
    }

    /**
     * The admin function keeps the read path's KeyValueStore current as it changes caches and tokens,
     * and reconciles it with the table on a schedule (what a crash between the two writes left, expired
     * tokens). The reconciler runs in the admin function rather than one of its own: the admin role
     * already holds the store's write and the table's read, so no second role gets either, and the
     * schedule adds only EventBridge as a caller of the alias. No other function may touch the store.
     */
    private void edgeStore(String edgeStoreArn) {
        admin.role().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .actions(List.of("cloudfront-keyvaluestore:DescribeKeyValueStore", "cloudfront-keyvaluestore:UpdateKeys",
                        "cloudfront-keyvaluestore:ListKeys", "cloudfront-keyvaluestore:GetKey"))
                .resources(List.of(edgeStoreArn))
                .build());
        Rule.Builder.create(this, "EdgeSync")
                .description("nixfront: reconcile the edge store (CloudFront KeyValueStore) with the table")
                .schedule(Schedule.rate(EDGE_SYNC_RATE))
                .targets(List.of(LambdaFunction.Builder.create(admin.alias())
                        .event(RuleTargetInput.fromObject(Map.of("routeKey", EDGE_SYNC_ROUTE_KEY)))
                        .retryAttempts(0)
                        .build()))
                .build();
    }

    /**
     * Deleting a cache invalidates {@code /<cache>/*} at the read path's distribution (the CDN keeps a
     * NAR up to a year): CreateInvalidation on that one distribution, nothing else of CloudFront. The
     * function's environment already names the distribution (its URL), so naming its id and ARN adds
     * no dependency that was not there.
     */
    private void invalidations(String distributionId) {
        admin.role().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .actions(List.of("cloudfront:CreateInvalidation"))
                .resources(List.of(distributionArn(this, distributionId)))
                .build());
    }

    /** A distribution's ARN: CloudFront is global, so no region; the stack's account. */
    static String distributionArn(Construct scope, String distributionId) {
        return Stack.of(scope).formatArn(ArnComponents.builder()
                .service("cloudfront")
                .region("")
                .resource("distribution")
                .resourceName(distributionId)
                .arnFormat(ArnFormat.SLASH_RESOURCE_NAME)
                .build());
    }

    public List<NixfrontFunction> all() {
        return List.of(query, upload, publish, verify, admin, collect);
    }

    public NixfrontFunction query() {
        return query;
    }

    public NixfrontFunction upload() {
        return upload;
    }

    public NixfrontFunction publish() {
        return publish;
    }

    public NixfrontFunction verify() {
        return verify;
    }

    public NixfrontFunction admin() {
        return admin;
    }

    public NixfrontFunction collect() {
        return collect;
    }

    public LayerVersion layer() {
        return layer;
    }

    public LayerVersion edgeLayer() {
        return edgeLayer;
    }

    /** The edge layer zip, built next to the shared one: {@code nixfront-edge-layer.zip}. */
    static Path edgeLayerZip(Path layerZip) {
        return layerZip.resolveSibling("nixfront-edge-layer.zip");
    }

    public Queue verifyFailures() {
        return verifyFailures;
    }

    private NixfrontFunction function(String id, String handler, String description, int memoryMb, Duration timeout,
                                      boolean quickStart, Map<String, String> environment,
                                      IDestination onFailure, Code code, List<ILayerVersion> layers, Props props) {
        return new NixfrontFunction(this, id, new NixfrontFunction.Props(handler, description, memoryMb, timeout,
                quickStart, environment, onFailure, code, layers, props.logRetention()));
    }

    private static Code asset(Path archive) {
        return Code.fromAsset(archive.toString(), AssetOptions.builder()
                .assetHashType(AssetHashType.CUSTOM)
                .assetHash(ArchiveFingerprint.of(archive))
                .build());
    }

    private static Map<String, String> with(Map<String, String> base, String... keyValues) {
        Map<String, String> result = new TreeMap<>(base);
        for (int i = 0; i < keyValues.length; i += 2) {
            result.put(keyValues[i], keyValues[i + 1]);
        }
        return result;
    }

    private static void objects(NixfrontFunction fn, Storage storage, List<String> actions, String... keyPatterns) {
        List<String> arns = Arrays.stream(keyPatterns).map(storage.bucket()::arnForObjects).toList();
        grant(fn.role(), actions, arns);
    }

    /**
     * One KMS action on the signing-key wrap, in the role's policy, allowed only with the cache
     * encryption context ({@link Storage#CACHE_CONTEXT_CONDITIONS}); the key policy says the same.
     */
    private static void signingKey(NixfrontFunction fn, Storage storage, String action) {
        fn.role().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .actions(List.of(action))
                .resources(List.of(storage.signingKeyWrap().getKeyArn()))
                .conditions(Storage.CACHE_CONTEXT_CONDITIONS)
                .build());
    }

    private static void bucket(NixfrontFunction fn, Storage storage, String action) {
        grant(fn.role(), List.of(action), List.of(storage.bucket().getBucketArn()));
    }

    /**
     * Reads anywhere in the table and its index. Every API function authenticates (GetItem
     * {@code TOKEN#<sha256>}) and finds the cache (GetItem {@code CACHE#<name>}), query, publish and
     * verify read path items (BatchGetItem {@code PATH#...}), and the listings query gsi1
     * ({@code CACHES}, {@code TOKENS}, and {@code PATHS#<cache>} of before the sharding) and gsi2
     * ({@code PATHS#<cache>#<shard>}), whose partition keys are what LeadingKeys would see there. No item holds a secret a reader could use: token items keep only the SHA-256 of the
     * token, and a cache's signing key is sealed under the KMS key only publish and verify may decrypt.
     */
    private static void table(NixfrontFunction fn, Storage storage, List<String> actions) {
        String tableArn = storage.table().getTableArn();
        grant(fn.role(), actions, List.of(tableArn, tableArn + "/index/" + Storage.GSI1, tableArn + "/index/" + Storage.GSI2));
    }

    /**
     * Writes to items whose partition key matches one of the patterns. Writes always name the table
     * (an index is never written), so the grant names only the table, and a gsi1 query, a read, is
     * untouched by the condition. ForAllValues holds for every key of a batch; it would also hold for
     * a request without keys, which the Null test refuses.
     */
    private static void tableWrites(NixfrontFunction fn, Storage storage, List<String> actions,
                                    String... partitionKeyPatterns) {
        fn.role().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .actions(actions)
                .resources(List.of(storage.table().getTableArn()))
                .conditions(new TreeMap<>(Map.of(
                        "ForAllValues:StringLike", Map.of(LEADING_KEYS, List.of(partitionKeyPatterns)),
                        "Null", Map.of(LEADING_KEYS, "false"))))
                .build());
    }

    /**
     * The listing migration ({@code POST /v1/index-migration}) moves each path item into the sharded
     * index with an UpdateItem: on path items only, naming only their keys and the two indexes' keys
     * ({@code dynamodb:Attributes}), returning nothing. So the admin role can re-list a path, never
     * change what a path says.
     */
    private static void listingMoves(NixfrontFunction fn, Storage storage) {
        fn.role().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .actions(List.of("dynamodb:UpdateItem"))
                .resources(List.of(storage.table().getTableArn()))
                .conditions(new TreeMap<>(Map.of(
                        "ForAllValues:StringLike", Map.of(LEADING_KEYS, List.of(PATH_ITEMS)),
                        "ForAllValues:StringEquals", Map.of("dynamodb:Attributes", LISTING_ATTRIBUTES),
                        "StringEqualsIfExists", Map.of("dynamodb:ReturnValues", "NONE"),
                        "Null", Map.of(LEADING_KEYS, "false"))))
                .build());
    }

    /** UpdateItem of the items under {@code partitionKeyPattern}, naming only {@code attributes}, returning nothing. */
    private static void attributeUpdates(NixfrontFunction fn, Storage storage, String partitionKeyPattern, List<String> attributes) {
        fn.role().addToPrincipalPolicy(PolicyStatement.Builder.create()
                .actions(List.of("dynamodb:UpdateItem"))
                .resources(List.of(storage.table().getTableArn()))
                .conditions(new TreeMap<>(Map.of(
                        "ForAllValues:StringLike", Map.of(LEADING_KEYS, List.of(partitionKeyPattern)),
                        "ForAllValues:StringEquals", Map.of("dynamodb:Attributes", attributes),
                        "StringEqualsIfExists", Map.of("dynamodb:ReturnValues", "NONE"),
                        "Null", Map.of(LEADING_KEYS, "false"))))
                .build());
    }

    private static void grant(IGrantable grantee, List<String> actions, List<String> resourceArns) {
        Grant.addToPrincipal(GrantOnPrincipalOptions.builder()
                .grantee(grantee)
                .actions(actions)
                .resourceArns(resourceArns)
                .build());
    }
}
