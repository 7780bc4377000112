package dev.nixfront.infra;

import static dev.nixfront.infra.Json.at;
import static dev.nixfront.infra.Json.list;
import static dev.nixfront.infra.Json.map;
import static dev.nixfront.infra.Json.render;
import static dev.nixfront.infra.Json.resources;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.cache.Layout;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Each function's role, flattened into "action resource" grants with resources written the way
 * cdk-nag prints them, compared with the exact set it needs. Logical ids are replaced by names:
 * {@code <Bucket.Arn>}, {@code <Table.Arn>}, {@code <Key.Arn>}, {@code <Secret>}, {@code <VerifyAlias>},
 * {@code <Logs.Arn>}, {@code <Failures.Arn>}.
 */
class IamLeastPrivilegeTest {
    private final Deployments.Synthesized standard = Deployments.standard();
    private final Map<String, Object> template = Deployments.json(standard.main());
    private final NixfrontStack stack = standard.stacks().main();
    private final Functions fns = stack.functions();

    private static final Set<String> LOGS = Set.of("logs:CreateLogStream <Logs.Arn>", "logs:PutLogEvents <Logs.Arn>");
    private static final Set<String> SECRET = Set.of("secretsmanager:GetSecretValue <Secret>", "secretsmanager:DescribeSecret <Secret>");

    private static Set<String> table(String... actions) {
        Set<String> grants = new TreeSet<>();
        for (String action : actions) {
            grants.add("dynamodb:" + action + " <Table.Arn>");
            grants.add("dynamodb:" + action + " <Table.Arn>/index/gsi1");
        }
        return grants;
    }

    private static final String[] READ = {"GetItem", "Query", "BatchGetItem"};

    @Test
    void queryOnlyReadsTheTable() {
        assertThat(grants(fns.query())).isEqualTo(union(LOGS, SECRET, table(READ)));
    }

    @Test
    void uploadPresignsNarAndStagingKeysAndCannotWriteNarinfo() {
        assertThat(grants(fns.upload())).isEqualTo(union(LOGS, SECRET, table(READ), Set.of(
                "s3:PutObject <Bucket.Arn>/*/nar/*",
                "s3:PutObject <Bucket.Arn>/_staging/*",
                "s3:AbortMultipartUpload <Bucket.Arn>/_staging/*",
                "s3:DeleteObject <Bucket.Arn>/_staging/*",
                "s3:GetObject <Bucket.Arn>/*/nar/*",
                "s3:ListBucket <Bucket.Arn>")));
        assertThat(grants(fns.upload())).noneMatch(g -> g.contains("narinfo") || g.contains("nix-cache-info") || g.startsWith("kms:"));
    }

    @Test
    void publishAndVerifyAloneWriteNarinfoAndDecryptSigningKeys() {
        Set<String> writer = union(LOGS, table(READ), table("PutItem"), Set.of(
                "s3:GetObject <Bucket.Arn>/*/nar/*",
                "s3:GetObject <Bucket.Arn>/_staging/*",
                "s3:GetObject <Bucket.Arn>/*.narinfo",
                "s3:PutObject <Bucket.Arn>/*.narinfo",
                "s3:PutObject <Bucket.Arn>/*/nar/*",
                "s3:AbortMultipartUpload <Bucket.Arn>/*/nar/*",
                "s3:DeleteObject <Bucket.Arn>/_staging/*",
                "s3:ListBucket <Bucket.Arn>",
                "kms:Decrypt <Key.Arn>"));
        assertThat(grants(fns.publish())).isEqualTo(union(writer, SECRET, Set.of("lambda:InvokeFunction <VerifyAlias>")));
        assertThat(grants(fns.verify())).isEqualTo(union(writer, Set.of(
                "sqs:SendMessage <Failures.Arn>", "sqs:GetQueueAttributes <Failures.Arn>", "sqs:GetQueueUrl <Failures.Arn>")));
        for (NixfrontFunction other : new NixfrontFunction[] {fns.query(), fns.upload(), fns.admin()}) {
            assertThat(grants(other)).as(other.getNode().getId())
                    .noneMatch(g -> g.contains(".narinfo") || g.startsWith("kms:Decrypt") || g.startsWith("lambda:"));
        }
    }

    @Test
    void adminWrapsKeysWritesCacheInfoAndDeletesCaches() {
        assertThat(grants(fns.admin())).isEqualTo(union(LOGS, SECRET, table(READ),
                table("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"), Set.of(
                "s3:PutObject <Bucket.Arn>/*/nix-cache-info",
                "s3:DeleteObject <Bucket.Arn>/*",
                "s3:AbortMultipartUpload <Bucket.Arn>/*",
                "s3:ListBucket <Bucket.Arn>",
                "s3:ListBucketMultipartUploads <Bucket.Arn>",
                "kms:GenerateDataKey <Key.Arn>")));
    }

    @Test
    void everyFunctionThatTouchesStagingMayDoSoOnTheKeysTheDomainWrites() {
        // The key UploadService hands out for a multipart upload, in the shape Layout builds.
        String staged = Layout.STAGING_ROOT + "team/1w1fff338fvdw53sqgamddn1b2xgds473pv6y13gizdbqjv4i5p3.nar.xz";
        assertThat(Storage.STAGING_PREFIX).isEqualTo(Layout.STAGING_ROOT);
        assertThat(allows(fns.upload(), "s3:PutObject", staged)).isTrue();
        assertThat(allows(fns.upload(), "s3:AbortMultipartUpload", staged)).isTrue();
        assertThat(allows(fns.upload(), "s3:DeleteObject", staged)).isTrue();
        for (NixfrontFunction writer : new NixfrontFunction[] {fns.publish(), fns.verify()}) {
            assertThat(allows(writer, "s3:GetObject", staged)).as(writer.getNode().getId()).isTrue();
            assertThat(allows(writer, "s3:DeleteObject", staged)).as(writer.getNode().getId()).isTrue();
        }
        assertThat(allows(fns.admin(), "s3:DeleteObject", staged)).isTrue();
        assertThat(allows(fns.admin(), "s3:AbortMultipartUpload", staged)).isTrue();
        assertThat(allows(fns.query(), "s3:GetObject", staged)).isFalse();
        // Staging is no longer inside a cache's prefix: no grant is left for the old shape.
        assertThat(allows(fns.upload(), "s3:PutObject", "team/staging/x.nar")).isFalse();
    }

    @Test
    void noPolicyInTheStackGrantsAWildcardActionOrEveryResource() {
        for (Map<String, Object> policy : resources(template, "AWS::IAM::Policy").values()) {
            for (Object statement : list(at(policy, "Properties", "PolicyDocument", "Statement"))) {
                if (!"Allow".equals(map(statement).get("Effect"))) {
                    continue;
                }
                assertThat(list(map(statement).get("Action")))
                        .allSatisfy(action -> assertThat((String) action).doesNotContain("*"));
                assertThat(list(map(statement).get("Resource")).stream().map(Json::render))
                        .allSatisfy(resource -> assertThat(resource).isNotEqualTo("*"));
            }
        }
    }

    @Test
    void onlyCloudFrontReadsTheBucketAndNeverStaging() {
        String distribution = Nag.logicalId(stack.readPath().distribution());
        Map<String, Object> policy = resources(template, "AWS::S3::BucketPolicy").values().stream()
                .filter(p -> render(at(p, "Properties", "Bucket")).equals("<" + Nag.logicalId(stack.storage().bucket()) + ">"))
                .findFirst().orElseThrow();
        Set<String> cloudFront = new TreeSet<>();
        for (Object statement : list(at(policy, "Properties", "PolicyDocument", "Statement"))) {
            Object principal = at(statement, "Principal", "Service");
            if (!"cloudfront.amazonaws.com".equals(principal)) {
                continue;
            }
            Object condition = at(statement, "Condition", "StringEquals", "AWS:SourceArn");
            cloudFront.add(map(statement).get("Effect") + " " + new TreeSet<>(list(map(statement).get("Action")))
                    + " " + new TreeSet<>(list(map(statement).get("Resource")).stream().map(r -> name(render(r))).toList())
                    + (condition == null ? "" : " if " + render(condition).replace(distribution, "Distribution")));
        }
        assertThat(cloudFront).containsExactlyInAnyOrder(
                "Allow [s3:GetObject, s3:ListBucket] [<Bucket.Arn>, <Bucket.Arn>/*]"
                        + " if arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution/<Distribution>",
                "Deny [s3:GetObject] [<Bucket.Arn>/_staging/*]");
    }

    /** Whether one of the role's grants allows {@code action} on the object {@code key} (IAM's * spans slashes). */
    private boolean allows(NixfrontFunction fn, String action, String key) {
        String prefix = action + " <Bucket.Arn>/";
        return grants(fn).stream()
                .filter(g -> g.startsWith(prefix))
                .map(g -> g.substring(prefix.length()))
                .anyMatch(pattern -> key.matches(Arrays.stream(pattern.split("\\*", -1))
                        .map(Pattern::quote)
                        .collect(Collectors.joining(".*"))));
    }

    /** The role's grants as "action resource" strings with friendly names. */
    private Set<String> grants(NixfrontFunction fn) {
        String role = Nag.logicalId(fn.role());
        Set<String> grants = new TreeSet<>();
        for (Map<String, Object> policy : resources(template, "AWS::IAM::Policy").values()) {
            if (list(at(policy, "Properties", "Roles")).stream().map(Json::render).noneMatch(("<" + role + ">")::equals)) {
                continue;
            }
            for (Object statement : list(at(policy, "Properties", "PolicyDocument", "Statement"))) {
                assertThat(map(statement).get("Effect")).isEqualTo("Allow");
                for (Object action : list(map(statement).get("Action"))) {
                    for (Object resource : list(map(statement).get("Resource"))) {
                        grants.add(action + " " + name(render(resource)).replace(Nag.logicalId(fn.getNode().findChild("Logs")), "Logs"));
                    }
                }
            }
        }
        return grants;
    }

    private String name(String resource) {
        return resource
                .replace(Nag.logicalId(stack.storage().bucket()), "Bucket")
                .replace(Nag.logicalId(stack.storage().table()), "Table")
                .replace(Nag.logicalId(stack.storage().signingKeyWrap()), "Key")
                .replace(Nag.logicalId(stack.storage().adminToken()), "Secret")
                .replace(Nag.logicalId(fns.verify().alias()), "VerifyAlias")
                .replace(Nag.logicalId(fns.verifyFailures()), "Failures");
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> result = new TreeSet<>();
        for (Set<String> set : sets) {
            result.addAll(set);
        }
        return result;
    }
}
