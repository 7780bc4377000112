package dev.nixfront.infra;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableAttributes;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.iam.AccountRootPrincipal;
import software.amazon.awscdk.services.iam.ArnPrincipal;
import software.amazon.awscdk.services.iam.IPrincipal;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;

/**
 * The stateful half of nixfront: the cache bucket, the index table, the KMS key that wraps every
 * cache's Ed25519 signing key, the generated admin token, and the bucket access logs land in. All of
 * them follow {@link Props#removalPolicy()} (retain unless the deployment says otherwise); construct
 * ids here are a contract, renaming one replaces (and with retain: orphans) the resource.
 */
public final class Storage extends Construct {
    /** The index listing caches and tokens (keys {@code gsi1pk}/{@code gsi1sk}, every attribute projected). */
    public static final String GSI1 = "gsi1";
    /** The index listing a cache's paths in 32 shards (keys {@code gsi2pk}/{@code gsi2sk}, keys only). */
    public static final String GSI2 = "gsi2";

    /**
     * Where every upload waits for publish: {@code _staging/<cache>/<shard>/<FileHash>.nar<ext>}, the
     * domain's {@code Layout.STAGING_ROOT}. One first segment for every cache, because lifecycle
     * rules, IAM resources and the CloudFront deny all match keys from the left.
     */
    public static final String STAGING_PREFIX = "_staging/";

    /**
     * What every use of the signing-key wrap must carry: an encryption context of exactly one key,
     * {@code cache} (the cache's name, which {@code KmsKeyVault} binds into every data key, so a
     * sealed key moved to another cache's item does not open).
     */
    public static final Map<String, Object> CACHE_CONTEXT_CONDITIONS = Collections.unmodifiableSortedMap(new TreeMap<>(Map.of(
            "ForAllValues:StringEquals", Map.of("kms:EncryptionContextKeys", List.of("cache")),
            "Null", Map.of("kms:EncryptionContext:cache", "false"))));

    /**
     * What the account may do with the signing-key wrap through IAM: manage it, never use it. The
     * default key policy gives the account {@code kms:*}, so anyone with broad KMS rights could
     * decrypt every cache's signing key; here the cryptographic operations (and CreateGrant, which
     * would hand them out) are left to the statements naming the functions. Keeping PutKeyPolicy is
     * what CloudFormation needs to update the key, and KMS refuses a policy that locks the account out.
     */
    static final List<String> KEY_ADMINISTRATION = List.of(
            "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:DescribeKey", "kms:DisableKey",
            "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation", "kms:GetKeyPolicy",
            "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants", "kms:ListKeyPolicies",
            "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:RevokeGrant", "kms:RotateKeyOnDemand",
            "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateAlias",
            "kms:UpdateKeyDescription");

    /**
     * @param removalPolicy         what deleting the stack does to the stateful resources
     * @param stagingExpirationDays days after which a completed upload that was never published is
     *                              deleted from {@value #STAGING_PREFIX}
     * @param noncurrentVersionExpirationDays days an overwritten or deleted object's old version is
     *                              kept (outside {@value #STAGING_PREFIX}, where it is 1)
     * @param indexTableName        an existing table to use as the index instead of creating one (a
     *                              point-in-time restore), or null
     */
    public record Props(RemovalPolicy removalPolicy, int stagingExpirationDays, int noncurrentVersionExpirationDays,
                        String indexTableName) {
    }

    private final Bucket bucket;
    private final Bucket logBucket;
    private final ITable table;
    private final Key signingKeyWrap;
    private final Secret adminToken;

    public Storage(Construct scope, String id, Props props) {
        super(scope, id);
        RemovalPolicy removal = props.removalPolicy();

        // CloudFront's standard logs are written with ACLs, hence object-writer ownership on this bucket only.
        logBucket = Bucket.Builder.create(this, "AccessLogs")
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .encryption(BucketEncryption.S3_MANAGED)
                .enforceSsl(true)
                .minimumTlsVersion(1.2)
                .objectOwnership(ObjectOwnership.OBJECT_WRITER)
                .lifecycleRules(List.of(LifecycleRule.builder().id("expire-logs").expiration(Duration.days(90)).build()))
                .removalPolicy(removal)
                .build();
        // SSE-S3, not SSE-KMS: CloudFront reads every object, and KMS would add a request charge and a key
        // policy for CloudFront to each read while protecting data that is public to the cache's users anyway.
        bucket = Bucket.Builder.create(this, "Cache")
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .encryption(BucketEncryption.S3_MANAGED)
                .enforceSsl(true)
                .minimumTlsVersion(1.2)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .serverAccessLogsBucket(logBucket)
                .serverAccessLogsPrefix("s3/")
                // Versioned, so a deleted cache (or a mistaken delete) can be restored for a while: a
                // delete leaves a delete marker over a noncurrent version, and a read of the key is still
                // a 404. The conditional writes (If-None-Match: *) test the current version, so they
                // behave as before. Old versions cost storage until they expire.
                .versioned(true)
                // Parts of an upload that never completed, and completed uploads that were never
                // published (the client crashed, or gave up after a failed verification), would
                // otherwise be paid for forever. Publish moves what it verifies out of staging at once.
                .lifecycleRules(List.of(
                        LifecycleRule.builder()
                                .id("abort-incomplete-multipart-uploads")
                                .abortIncompleteMultipartUploadAfter(Duration.days(2))
                                .build(),
                        LifecycleRule.builder()
                                .id("expire-unpublished-staging")
                                .prefix(STAGING_PREFIX)
                                .expiration(Duration.days(props.stagingExpirationDays()))
                                // Every published upload leaves its staging object noncurrent: nothing
                                // to restore there, so it goes after a day, not the general window.
                                .noncurrentVersionExpiration(Duration.days(1))
                                .build(),
                        LifecycleRule.builder()
                                .id("expire-noncurrent-versions")
                                .noncurrentVersionExpiration(Duration.days(props.noncurrentVersionExpirationDays()))
                                .expiredObjectDeleteMarker(true)
                                .build()))
                .removalPolicy(removal)
                .build();

        table = props.indexTableName() != null
                // A restored table replaces the stack's own: the stack then no longer holds "Index", which
                // CloudFormation removes from the stack and, with retain, keeps (docs/deploy.md).
                ? Table.fromTableAttributes(this, "RestoredIndex", TableAttributes.builder()
                        .tableName(props.indexTableName())
                        .globalIndexes(List.of(GSI1, GSI2))
                        .build())
                : index(removal);

        signingKeyWrap = Key.Builder.create(this, "SigningKeyWrap")
                .description("nixfront: wraps the Ed25519 signing key of every cache")
                .policy(PolicyDocument.Builder.create().statements(List.of(PolicyStatement.Builder.create()
                        .sid("KeyAdministrationOnly")
                        .principals(List.of(new AccountRootPrincipal()))
                        .actions(KEY_ADMINISTRATION)
                        .resources(List.of("*"))
                        .build())).build())
                .enableKeyRotation(true)
                .pendingWindow(Duration.days(30))
                .removalPolicy(removal)
                .build();

        adminToken = Secret.Builder.create(this, "AdminToken")
                .description("nixfront: the admin token (full rights on every cache); nixfront login reads it")
                .generateSecretString(SecretStringGenerator.builder()
                        .passwordLength(48)
                        .excludePunctuation(true)
                        .build())
                .removalPolicy(removal)
                .build();
        Nag.suppress(adminToken, "AwsSolutions-SMG4",
                "The admin token is a bootstrap credential with no dependent system to re-key: the operator rotates "
                        + "it by putting a new value and deploying with a new nixfront:adminTokenVersion (docs/deploy.md, "
                        + "'Rotating the admin token'). A rotation Lambda would add compute with nobody to hand the value to.");
    }

    /**
     * The stack's own index table: on demand, PITR, deletion protection with retain, gsi1 and gsi2.
     * gsi2 came later: CloudFormation adds one index per update, which is all an upgrade asks, and
     * a projection cannot change in place, hence a new index rather than a leaner gsi1.
     */
    private Table index(RemovalPolicy removal) {
        Table index = Table.Builder.create(this, "Index")
                .partitionKey(Attribute.builder().name("pk").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("sk").type(AttributeType.STRING).build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .encryption(TableEncryption.AWS_MANAGED)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true)
                        .build())
                .deletionProtection(removal == RemovalPolicy.RETAIN)
                .removalPolicy(removal)
                .build();
        index.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(GSI1)
                .partitionKey(Attribute.builder().name("gsi1pk").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("gsi1sk").type(AttributeType.STRING).build())
                .projectionType(ProjectionType.ALL)
                .build());
        // Keys only: deletion (and garbage collection) read a path item's keys from here and
        // nothing else, and the references (up to 200 KB) are then written once, not twice.
        index.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(GSI2)
                .partitionKey(Attribute.builder().name("gsi2pk").type(AttributeType.STRING).build())
                .sortKey(Attribute.builder().name("gsi2sk").type(AttributeType.STRING).build())
                .projectionType(ProjectionType.KEYS_ONLY)
                .build());
        return index;
    }

    /**
     * Lets {@code decrypters} unwrap and {@code wrappers} generate signing-key data keys, each only
     * with a cache encryption context: the only uses of the key the key policy allows.
     */
    public void restrictSigningKeyUse(List<IRole> decrypters, List<IRole> wrappers) {
        signingKeyWrap.addToResourcePolicy(keyUse("UnwrapSigningKeys", decrypters, "kms:Decrypt"));
        signingKeyWrap.addToResourcePolicy(keyUse("WrapNewSigningKeys", wrappers, "kms:GenerateDataKey"));
    }

    private static PolicyStatement keyUse(String sid, List<IRole> roles, String action) {
        return PolicyStatement.Builder.create()
                .sid(sid)
                .principals(roles.stream().<IPrincipal>map(r -> new ArnPrincipal(r.getRoleArn())).toList())
                .actions(List.of(action))
                .resources(List.of("*"))
                .conditions(CACHE_CONTEXT_CONDITIONS)
                .build();
    }

    public Bucket bucket() {
        return bucket;
    }

    public Bucket logBucket() {
        return logBucket;
    }

    /** The index: the stack's own table, or the restored one {@code nixfront:indexTableName} names. */
    public ITable table() {
        return table;
    }

    public Key signingKeyWrap() {
        return signingKeyWrap;
    }

    public Secret adminToken() {
        return adminToken;
    }
}
