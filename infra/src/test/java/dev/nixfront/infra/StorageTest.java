package dev.nixfront.infra;

import static dev.nixfront.infra.Json.at;
import static dev.nixfront.infra.Json.list;
import static dev.nixfront.infra.Json.map;
import static dev.nixfront.infra.Json.properties;
import static dev.nixfront.infra.Json.render;
import static dev.nixfront.infra.Json.resources;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.cache.Layout;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class StorageTest {
    private final Deployments.Synthesized standard = Deployments.standard();
    private final Template main = standard.main();
    private final Storage storage = standard.stacks().main().storage();

    @Test
    void bucketsBlockAllPublicAccessAreEncryptedAndOwnerEnforcedWhereNoAclIsNeeded() {
        Map<String, Map<String, Object>> buckets = resources(Deployments.json(main), "AWS::S3::Bucket");
        assertThat(buckets).hasSize(2);
        for (Map<String, Object> bucket : buckets.values()) {
            assertThat(at(bucket, "Properties", "PublicAccessBlockConfiguration")).isEqualTo(Map.of(
                    "BlockPublicAcls", true, "BlockPublicPolicy", true, "IgnorePublicAcls", true, "RestrictPublicBuckets", true));
            assertThat(list(at(bucket, "Properties", "BucketEncryption", "ServerSideEncryptionConfiguration")))
                    .singleElement()
                    .satisfies(rule -> assertThat(at(rule, "ServerSideEncryptionByDefault", "SSEAlgorithm")).isEqualTo("AES256"));
        }
        Map<String, Object> cache = properties(buckets.get(Nag.logicalId(storage.bucket())));
        assertThat(at(cache, "OwnershipControls", "Rules")).isEqualTo(List.of(Map.of("ObjectOwnership", "BucketOwnerEnforced")));
        assertThat(render(at(cache, "LoggingConfiguration", "DestinationBucketName")))
                .isEqualTo("<" + Nag.logicalId(storage.logBucket()) + ">");
    }

    @Test
    void bucketPoliciesRefuseAnythingButTls12() {
        for (Map<String, Object> policy : resources(Deployments.json(main), "AWS::S3::BucketPolicy").values()) {
            List<Object> statements = list(at(policy, "Properties", "PolicyDocument", "Statement"));
            assertThat(statements).anySatisfy(s -> {
                assertThat(map(s)).containsEntry("Effect", "Deny").containsEntry("Action", "s3:*");
                assertThat(at(s, "Condition", "Bool", "aws:SecureTransport")).isEqualTo("false");
            });
            assertThat(statements).anySatisfy(s -> {
                assertThat(map(s)).containsEntry("Effect", "Deny").containsEntry("Action", "s3:*");
                assertThat(at(s, "Condition", "NumericLessThan", "s3:TlsVersion")).isEqualTo(1.2);
            });
        }
    }

    @Test
    void incompleteMultipartUploadsAreAbortedByLifecycle() {
        main.hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
                "LifecycleConfiguration", Map.of("Rules", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "AbortIncompleteMultipartUpload", Map.of("DaysAfterInitiation", 2),
                        "Status", "Enabled"))))))));
    }

    @Test
    void completedUploadsThatAreNeverPublishedExpireFromStaging() {
        // Only a key prefix can scope a lifecycle rule: staging must be one prefix for every cache.
        assertThat(Storage.STAGING_PREFIX).isEqualTo(Layout.STAGING_ROOT);
        main.hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
                "LifecycleConfiguration", Map.of("Rules", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Prefix", "_staging/",
                        "ExpirationInDays", 7,
                        "Status", "Enabled"))))))));
        Map<String, Object> cache = properties(resources(Deployments.json(main), "AWS::S3::Bucket").get(Nag.logicalId(storage.bucket())));
        assertThat(list(at(cache, "LifecycleConfiguration", "Rules"))).as("the abort rule stays, and applies to the whole bucket")
                .hasSize(3)
                .anySatisfy(rule -> assertThat(map(rule)).doesNotContainKey("Prefix")
                        .containsEntry("AbortIncompleteMultipartUpload", Map.of("DaysAfterInitiation", 2)));
        // The number of days is the deployment's choice.
        Deployments.full().main().hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
                "LifecycleConfiguration", Map.of("Rules", Match.arrayWith(List.of(Match.objectLike(Map.of(
                        "Prefix", "_staging/",
                        "ExpirationInDays", Deployments.FULL_STAGING_EXPIRATION_DAYS))))))));
    }

    @Test
    void theCacheBucketIsVersionedAndOldVersionsExpire() {
        Map<String, Object> cache = properties(resources(Deployments.json(main), "AWS::S3::Bucket").get(Nag.logicalId(storage.bucket())));
        assertThat(cache).containsEntry("VersioningConfiguration", Map.of("Status", "Enabled"));
        List<Object> rules = list(at(cache, "LifecycleConfiguration", "Rules"));
        assertThat(rules).anySatisfy(rule -> assertThat(map(rule))
                .doesNotContainKey("Prefix")
                .containsEntry("NoncurrentVersionExpiration", Map.of("NoncurrentDays", 30))
                .containsEntry("ExpiredObjectDeleteMarker", true));
        assertThat(rules).as("published uploads leave noncurrent staging versions; they go after a day")
                .anySatisfy(rule -> assertThat(map(rule)).containsEntry("Prefix", "_staging/")
                        .containsEntry("NoncurrentVersionExpiration", Map.of("NoncurrentDays", 1)));
        Deployments.synthesize(Deployments.config("eu-west-1").nag(false).noncurrentVersionExpirationDays(90).build())
                .main().hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
                        "LifecycleConfiguration", Map.of("Rules", Match.arrayWith(List.of(Match.objectLike(Map.of(
                                "NoncurrentVersionExpiration", Map.of("NoncurrentDays", 90)))))))));
    }

    @Test
    void aRestoredTableTakesOverTheIndexAndTheStackStopsHoldingItsOwn() {
        Map<String, Object> restored = Deployments.json(Deployments.synthesize(
                Deployments.config("eu-west-1").nag(false).indexTableName("nixfront-index-restored").build()).main());
        assertThat(resources(restored, "AWS::DynamoDB::Table")).isEmpty();
        assertThat(resources(restored, "AWS::Lambda::Function").values()).hasSize(6).allSatisfy(fn ->
                assertThat(at(fn, "Properties", "Environment", "Variables", Functions.ENV_TABLE)).isEqualTo("nixfront-index-restored"));
        String policies = resources(restored, "AWS::IAM::Policy").values().stream()
                .map(p -> render(list(at(p, "Properties", "PolicyDocument", "Statement")).stream()
                        .flatMap(st -> list(at(st, "Resource")).stream()).map(Json::render).toList()))
                .reduce("", String::concat);
        assertThat(policies).contains(":table/nixfront-index-restored", ":table/nixfront-index-restored/index/gsi1",
                ":table/nixfront-index-restored/index/gsi2");
        assertThat(resources(restored, "AWS::CloudWatch::Alarm").values()).anySatisfy(alarm ->
                assertThat(properties(alarm)).containsEntry("Namespace", "AWS/DynamoDB").containsEntry("Dimensions",
                        List.of(Map.of("Name", "TableName", "Value", "nixfront-index-restored"))));
    }

    @Test
    void tableIsOnDemandWithPointInTimeRecoveryDeletionProtectionAndBothIndexes() {
        main.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
                "KeySchema", List.of(Map.of("AttributeName", "pk", "KeyType", "HASH"), Map.of("AttributeName", "sk", "KeyType", "RANGE")),
                "BillingMode", "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
                "DeletionProtectionEnabled", true,
                "SSESpecification", Map.of("SSEEnabled", true),
                "AttributeDefinitions", Match.arrayWith(List.of(
                        Map.of("AttributeName", "gsi1pk", "AttributeType", "S"),
                        Map.of("AttributeName", "gsi1sk", "AttributeType", "S"),
                        Map.of("AttributeName", "gsi2pk", "AttributeType", "S"),
                        Map.of("AttributeName", "gsi2sk", "AttributeType", "S"))),
                // gsi1 lists caches and tokens (small items, read whole); gsi2 a cache's paths, keys only.
                "GlobalSecondaryIndexes", List.of(
                        Map.of("IndexName", "gsi1",
                                "KeySchema", List.of(Map.of("AttributeName", "gsi1pk", "KeyType", "HASH"), Map.of("AttributeName", "gsi1sk", "KeyType", "RANGE")),
                                "Projection", Map.of("ProjectionType", "ALL")),
                        Map.of("IndexName", "gsi2",
                                "KeySchema", List.of(Map.of("AttributeName", "gsi2pk", "KeyType", "HASH"), Map.of("AttributeName", "gsi2sk", "KeyType", "RANGE")),
                                "Projection", Map.of("ProjectionType", "KEYS_ONLY")))));
    }

    @Test
    void signingKeyWrapKeyRotatesAndAdminTokenIsGenerated() {
        main.hasResourceProperties("AWS::KMS::Key", Match.objectLike(Map.of("EnableKeyRotation", true)));
        main.hasResourceProperties("AWS::SecretsManager::Secret", Match.objectLike(Map.of(
                "GenerateSecretString", Map.of("ExcludePunctuation", true, "PasswordLength", 48))));
    }

    @Test
    void statefulResourcesAreRetainedByDefault() {
        for (String type : List.of("AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::KMS::Key", "AWS::SecretsManager::Secret")) {
            Map<String, Map<String, Object>> found = resources(Deployments.json(main), type);
            assertThat(found).as(type).isNotEmpty();
            found.values().forEach(resource -> assertThat(resource).as(type)
                    .containsEntry("DeletionPolicy", "Retain")
                    .containsEntry("UpdateReplacePolicy", "Retain"));
        }
    }

    @Test
    void destroyPolicyDeletesThemAndLiftsDeletionProtection() {
        Map<String, Object> full = Deployments.json(Deployments.full().main());
        for (String type : List.of("AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::KMS::Key", "AWS::SecretsManager::Secret")) {
            resources(full, type).values().forEach(resource -> assertThat(resource).as(type)
                    .containsEntry("DeletionPolicy", "Delete")
                    .containsEntry("UpdateReplacePolicy", "Delete"));
        }
        assertThat(resources(full, "AWS::DynamoDB::Table").values())
                .allSatisfy(table -> assertThat(at(table, "Properties", "DeletionProtectionEnabled")).isEqualTo(false));
    }
}
