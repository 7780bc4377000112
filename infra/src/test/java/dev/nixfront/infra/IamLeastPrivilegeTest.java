package dev.nixfront.infra;

import static dev.nixfront.infra.Json.at;
import static dev.nixfront.infra.Json.list;
import static dev.nixfront.infra.Json.map;
import static dev.nixfront.infra.Json.render;
import static dev.nixfront.infra.Json.resources;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.cache.Layout;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Each function's role, flattened into "action resource" grants with resources written the way
 * cdk-nag prints them, compared with the exact set it needs. Logical ids are replaced by names:
 * {@code <Bucket.Arn>}, {@code <Table.Arn>}, {@code <Key.Arn>}, {@code <Secret>}, {@code <VerifyAlias>}, {@code <CollectAlias>},
 * {@code <Logs.Arn>}, {@code <Failures.Arn>}. A table write bound to partition keys reads
 * {@code dynamodb:PutItem <Table.Arn> if pk like [PATH#*]}.
 */
class IamLeastPrivilegeTest {
    private final Deployments.Synthesized standard = Deployments.standard();
    private final Map<String, Object> template = Deployments.json(standard.main());
    private final NixfrontStack stack = standard.stacks().main();
    private final Functions fns = stack.functions();
    /** A deleted cache's invalidation: on the read path's distribution only, in the stack's account. */
    private final Set<String> invalidation = Set.of("cloudfront:CreateInvalidation arn:aws:cloudfront::123456789012:distribution/<"
            + Nag.logicalId(stack.readPath().distribution()) + ">");

    private static final Set<String> LOGS = Set.of("logs:CreateLogStream <Logs.Arn>", "logs:PutLogEvents <Logs.Arn>");
    /** The read path's KeyValueStore: read for its ETag, updated, listed by the reconciler; that store only. */
    private static final Set<String> EDGE_STORE = Set.of("cloudfront-keyvaluestore:DescribeKeyValueStore <EdgeStore.Arn>",
            "cloudfront-keyvaluestore:UpdateKeys <EdgeStore.Arn>", "cloudfront-keyvaluestore:ListKeys <EdgeStore.Arn>",
            "cloudfront-keyvaluestore:GetKey <EdgeStore.Arn>");
    private static final Set<String> SECRET = Set.of("secretsmanager:GetSecretValue <Secret>", "secretsmanager:DescribeSecret <Secret>");
    /** How {@link #condition} renders Storage.CACHE_CONTEXT_CONDITIONS. */
    private static final String CACHE_CONTEXT = " if cache context";

    private static Set<String> table(String... actions) {
        Set<String> grants = new TreeSet<>();
        for (String action : actions) {
            grants.add("dynamodb:" + action + " <Table.Arn>");
            grants.add("dynamodb:" + action + " <Table.Arn>/index/gsi1");
            grants.add("dynamodb:" + action + " <Table.Arn>/index/gsi2");
        }
        return grants;
    }

    private static final String[] READ = {"GetItem", "Query", "BatchGetItem"};

    /** The admin's UpdateItem of path items for the listing migration: their keys and index keys only, nothing returned. */
    private static final String LISTING_MOVES = "dynamodb:UpdateItem <Table.Arn> if {ForAllValues:StringEquals={dynamodb:Attributes=["
            + "pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk]}, ForAllValues:StringLike={dynamodb:LeadingKeys=[PATH#*]}, "
            + "Null={dynamodb:LeadingKeys=false}, StringEqualsIfExists={dynamodb:ReturnValues=NONE}}";

    /** A publisher taking a path back from a collection: the path item's state and attempt only. */
    private static final String REVIVE = "dynamodb:UpdateItem <Table.Arn> if {ForAllValues:StringEquals={dynamodb:Attributes=["
            + "pk, sk, state, attempt]}, ForAllValues:StringLike={dynamodb:LeadingKeys=[PATH#*]}, "
            + "Null={dynamodb:LeadingKeys=false}, StringEqualsIfExists={dynamodb:ReturnValues=NONE}}";
    /** A publisher claiming a NAR: the NAR record's users, times and listing keys only. */
    private static final String CLAIM = "dynamodb:UpdateItem <Table.Arn> if {ForAllValues:StringEquals={dynamodb:Attributes=["
            + "pk, sk, users, claimedAt, doomedAt, deleting, narKey, gsi2pk, gsi2sk]}, ForAllValues:StringLike={dynamodb:LeadingKeys=[NAR#*]}, "
            + "Null={dynamodb:LeadingKeys=false}, StringEqualsIfExists={dynamodb:ReturnValues=NONE}}";

    /** The admin's garbage collection moving a path item between states: its state, attempt and time only. */
    private static final String COLLECT = "dynamodb:UpdateItem <Table.Arn> if {ForAllValues:StringEquals={dynamodb:Attributes=["
            + "pk, sk, state, attempt, updatedAt]}, ForAllValues:StringLike={dynamodb:LeadingKeys=[PATH#*]}, "
            + "Null={dynamodb:LeadingKeys=false}, StringEqualsIfExists={dynamodb:ReturnValues=NONE}}";
    /** The admin's garbage collection dooming and deleting NAR records. */
    private static final String NAR_UPDATES = "dynamodb:UpdateItem <Table.Arn> if {ForAllValues:StringEquals={dynamodb:Attributes=["
            + "pk, sk, users, claimedAt, doomedAt, deleting, narKey, gsi2pk, gsi2sk]}, ForAllValues:StringLike={dynamodb:LeadingKeys=[NAR#*]}, "
            + "Null={dynamodb:LeadingKeys=false}, StringEqualsIfExists={dynamodb:ReturnValues=NONE}}";

    /** A write on the table alone (an index is never written), to items whose partition key is like one of these. */
    private static String write(String action, String... partitionKeys) {
        return "dynamodb:" + action + " <Table.Arn> if pk like " + List.of(partitionKeys);
    }

    // Partition keys as the layers/aws adapters build them (DynamoDbCacheRepository, DynamoDbTokenRepository,
    // DynamoDbPathIndex): a cache, a token (SHA-256 hex of its secret), a path of cache "team".
    private static final String CACHE_ITEM = "CACHE#team";
    private static final String TOKEN_ITEM = "TOKEN#9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final String PATH_ITEM = "PATH#team#0123456789abcdfghijklmnpqrsvwxyz";
    // Garbage collection's bookkeeping of cache "team" (DynamoDbRootRepository, DynamoDbPinRepository, DynamoDbUsageCounter).
    private static final String ROOT_ITEM = "ROOTS#team.3f9a0c1d2b4e5f60#z";
    private static final String PIN_ITEM = "PINS#team.3f9a0c1d2b4e5f60";
    private static final String USAGE_ITEM = "USAGE#team.3f9a0c1d2b4e5f60#7";

    @Test
    void queryOnlyReadsTheTableAndNarinfos() {
        // Status reads a narinfo when the index lost its item; it never writes.
        assertThat(grants(fns.query())).isEqualTo(union(LOGS, table(READ), Set.of(
                "s3:GetObject <Bucket.Arn>/*.narinfo", "s3:ListBucket <Bucket.Arn>")));
    }

    @Test
    void uploadPresignsStagingKeysOnlyAndCannotWriteNarOrNarinfo() {
        assertThat(grants(fns.upload())).isEqualTo(union(LOGS, table(READ), Set.of(
                "s3:PutObject <Bucket.Arn>/_staging/*",
                "s3:AbortMultipartUpload <Bucket.Arn>/_staging/*",
                "s3:DeleteObject <Bucket.Arn>/_staging/*",
                "s3:GetObject <Bucket.Arn>/*/nar/*",
                // HeadObject: a deriver whose build log the cache has is not uploaded again.
                "s3:GetObject <Bucket.Arn>/*/log/*",
                "s3:ListBucket <Bucket.Arn>")));
        assertThat(grants(fns.upload())).noneMatch(g -> g.contains("narinfo") || g.contains("nix-cache-info") || g.startsWith("kms:"));
    }

    @Test
    void onlyPublishAndVerifyCanWriteWhatIsServedUnderNar() {
        // The key a verified NAR is copied to, in the shape Layout builds, and its staging source.
        String nar = "team/nar/1w1fff338fvdw53sqgamddn1b2xgds473pv6y13gizdbqjv4i5p3.nar.xz";
        String staged = Layout.STAGING_ROOT + "team/1w1fff338fvdw53sqgamddn1b2xgds473pv6y13gizdbqjv4i5p3.nar.xz";
        for (NixfrontFunction writer : new NixfrontFunction[] {fns.publish(), fns.verify()}) {
            String id = writer.getNode().getId();
            // CopyObject reads the source and writes the target; a multipart copy may be aborted.
            assertThat(allows(writer, "s3:GetObject", staged)).as(id).isTrue();
            assertThat(allows(writer, "s3:PutObject", nar)).as(id).isTrue();
            assertThat(allows(writer, "s3:AbortMultipartUpload", nar)).as(id).isTrue();
        }
        // The upload function signs every presigned request: it must not be able to write under nar/.
        for (NixfrontFunction other : new NixfrontFunction[] {fns.query(), fns.upload(), fns.admin()}) {
            assertThat(allows(other, "s3:PutObject", nar)).as(other.getNode().getId()).isFalse();
        }
        assertThat(allows(fns.upload(), "s3:PutObject", staged)).isTrue();
    }

    @Test
    void onlyPublishStoresBuildLogsAndOnlyWhereNixLooksForThem() {
        // The keys the domain builds for the log of a deriver and for its upload.
        String log = "team/log/awcb5kdhcrh9n4al36vyb2zr9ryw3pbi-logexp.drv";
        String staged = Layout.STAGING_ROOT + "team/log/0l9ihzl2lxrk4l4vx9pcpq6pk5w41bgrpnnxsv8xxw5p0ppnpykz.zst";
        assertThat(allows(fns.upload(), "s3:PutObject", staged)).as("the presigned PUT").isTrue();
        assertThat(allows(fns.publish(), "s3:GetObject", staged)).isTrue();
        assertThat(allows(fns.publish(), "s3:PutObject", log)).isTrue();
        assertThat(allows(fns.publish(), "s3:DeleteObject", staged)).isTrue();
        assertThat(allows(fns.collect(), "s3:DeleteObject", log)).isTrue();
        for (NixfrontFunction other : new NixfrontFunction[] {fns.query(), fns.upload(), fns.verify(), fns.admin(), fns.collect()}) {
            assertThat(allows(other, "s3:PutObject", log)).as(other.getNode().getId()).isFalse();
        }
    }

    @Test
    void publishAndVerifyAloneWriteNarinfoAndDecryptSigningKeys() {
        Set<String> writer = union(LOGS, table(READ), Set.of(REVIVE, CLAIM), Set.of(
                "s3:GetObject <Bucket.Arn>/*/nar/*",
                "s3:GetObject <Bucket.Arn>/_staging/*",
                "s3:GetObject <Bucket.Arn>/*.narinfo",
                "s3:PutObject <Bucket.Arn>/*.narinfo",
                "s3:PutObject <Bucket.Arn>/*/nar/*",
                "s3:AbortMultipartUpload <Bucket.Arn>/*/nar/*",
                "s3:DeleteObject <Bucket.Arn>/_staging/*",
                "s3:DeleteObject <Bucket.Arn>/*.narinfo",
                "s3:DeleteObject <Bucket.Arn>/*/nar/*",
                "s3:ListBucket <Bucket.Arn>",
                "kms:Decrypt <Key.Arn>" + CACHE_CONTEXT), Set.of(write("DeleteItem", "PATH#*")));
        // Publish also keeps a write token's roots and pins, and stores build logs (a copy from staging to
        // */log/*, its HEAD first, and their removal when a deletion overtook it); both add what they publish
        // to the usage counters.
        assertThat(grants(fns.publish())).isEqualTo(union(writer, Set.of("lambda:InvokeFunction <VerifyAlias>",
                "s3:GetObject <Bucket.Arn>/*/log/*", "s3:PutObject <Bucket.Arn>/*/log/*", "s3:DeleteObject <Bucket.Arn>/*/log/*",
                write("PutItem", "PATH#*", "PINS#*"), write("UpdateItem", "ROOTS#*", "USAGE#*"), write("DeleteItem", "PINS#*"))));
        // Verify invokes its own alias with the rest of a job that does not fit one run.
        assertThat(grants(fns.verify())).isEqualTo(union(writer, Set.of(
                "sqs:SendMessage <Failures.Arn>", "sqs:GetQueueAttributes <Failures.Arn>", "sqs:GetQueueUrl <Failures.Arn>",
                "lambda:InvokeFunction <VerifyAlias>", write("PutItem", "PATH#*"), write("UpdateItem", "USAGE#*"))));
        for (NixfrontFunction other : new NixfrontFunction[] {fns.query(), fns.upload(), fns.admin(), fns.collect()}) {
            assertThat(grants(other)).as(other.getNode().getId())
                    .noneMatch(g -> (g.contains(".narinfo") && !g.equals("s3:GetObject <Bucket.Arn>/*.narinfo")
                            && !g.equals("s3:DeleteObject <Bucket.Arn>/*.narinfo"))
                            || g.startsWith("kms:") && other == fns.collect() || g.startsWith("kms:Decrypt")
                            || g.startsWith("lambda:") && !g.equals("lambda:InvokeFunction <CollectAlias>"));
        }
    }

    @Test
    void adminWrapsKeysWritesCacheInfoAndDeletesCaches() {
        assertThat(grants(fns.admin())).isEqualTo(union(LOGS, SECRET, EDGE_STORE, invalidation, table(READ), Set.of(
                // OpenID Connect trusts are added, removed and swept by the admin alone.
                write("PutItem", "CACHE#*", "TOKEN#*", "GC#*", "TRUSTS#*"),
                write("UpdateItem", "CACHE#*", "TOKEN#*", "GC#*"),
                LISTING_MOVES,
                write("DeleteItem", "CACHE#*", "TRUSTS#*"),
                write("BatchWriteItem", "PATH#*", "ROOTS#*", "PINS#*", "USAGE#*", "NAR#*", "GC#*", "TRUSTS#*")), Set.of(
                // Collections run in the collect function: the admin takes the lease and queues the job.
                "lambda:InvokeFunction <CollectAlias>",
                "s3:PutObject <Bucket.Arn>/*/nix-cache-info",
                "s3:DeleteObject <Bucket.Arn>/*",
                "s3:AbortMultipartUpload <Bucket.Arn>/*",
                "s3:ListBucket <Bucket.Arn>",
                "s3:ListBucketMultipartUploads <Bucket.Arn>",
                "kms:GenerateDataKey <Key.Arn>" + CACHE_CONTEXT)));
    }

    /**
     * The collect function removes what a collection dooms: path items' state, narinfos, path items,
     * NAR records and objects; it subtracts from usage counters and drops old roots; it holds its
     * cache's lease and hands on to its own alias. It reads no secret, decrypts nothing, writes
     * nothing that is served, and can never touch a cache or a token item.
     */
    @Test
    void collectRemovesWhatACollectionDoomsAndNothingElse() {
        assertThat(grants(fns.collect())).isEqualTo(union(LOGS, table(READ), Set.of(
                COLLECT, NAR_UPDATES,
                write("DeleteItem", "PATH#*", "NAR#*"),
                write("UpdateItem", "USAGE#*", "GC#*"),
                write("PutItem", "GC#*"),
                write("BatchWriteItem", "ROOTS#*"),
                "s3:DeleteObject <Bucket.Arn>/*.narinfo",
                "s3:DeleteObject <Bucket.Arn>/*/nar/*",
                // The build logs of derivations no path kept names.
                "s3:DeleteObject <Bucket.Arn>/*/log/*",
                "s3:ListBucket <Bucket.Arn>",
                "lambda:InvokeFunction <CollectAlias>")));
        for (String action : List.of("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem")) {
            assertThat(mayWrite(fns.collect(), action, CACHE_ITEM)).as("collect " + action + " cache").isFalse();
            assertThat(mayWrite(fns.collect(), action, TOKEN_ITEM)).as("collect " + action + " token").isFalse();
        }
        assertThat(mayWrite(fns.collect(), "PutItem", PATH_ITEM)).as("never writes a path's contents").isFalse();
    }

    @Test
    void publishAndVerifyWritePathItemsOnlyAndCanNeverMintATokenOrTouchACache() {
        for (NixfrontFunction writer : new NixfrontFunction[] {fns.publish(), fns.verify()}) {
            String id = writer.getNode().getId();
            assertThat(mayWrite(writer, "PutItem", PATH_ITEM)).as(id).isTrue();
            assertThat(mayWrite(writer, "PutItem", TOKEN_ITEM)).as(id).isFalse();
            assertThat(mayWrite(writer, "PutItem", CACHE_ITEM)).as(id).isFalse();
            // A batch is allowed only if every key in it is; one path key does not carry a token along.
            assertThat(mayWrite(writer, "PutItem", PATH_ITEM, TOKEN_ITEM)).as(id).isFalse();
            for (String action : List.of("UpdateItem", "BatchWriteItem")) {
                assertThat(mayWrite(writer, action, PATH_ITEM)).as(id + " " + action).isFalse();
            }
            // The undo of a publish that a deletion of its cache overtook removes the item it wrote.
            assertThat(mayWrite(writer, "DeleteItem", PATH_ITEM)).as(id).isTrue();
            assertThat(mayWrite(writer, "DeleteItem", TOKEN_ITEM)).as(id).isFalse();
        }
        for (NixfrontFunction reader : new NixfrontFunction[] {fns.query(), fns.upload()}) {
            assertThat(grants(reader).stream().filter(g -> g.startsWith("dynamodb:"))).as(reader.getNode().getId())
                    .containsExactlyInAnyOrderElementsOf(table(READ));
        }
    }

    /**
     * Roots, pins and usage counters: publish keeps a write token's roots (UpdateItem: the later time
     * wins) and pins (a conditional PutItem, a DeleteItem), publish and verify add to the counters, the
     * admin deletes them with their cache. No other write reaches them, and none of these grants
     * reaches a cache, a token or a path's contents.
     */
    @Test
    void garbageCollectionsBookkeepingIsWrittenOnlyByTheOperationsThatKeepIt() {
        assertThat(mayWrite(fns.publish(), "UpdateItem", ROOT_ITEM)).isTrue();
        assertThat(mayWrite(fns.publish(), "PutItem", PIN_ITEM)).isTrue();
        assertThat(mayWrite(fns.publish(), "DeleteItem", PIN_ITEM)).isTrue();
        assertThat(mayWrite(fns.publish(), "UpdateItem", USAGE_ITEM)).isTrue();
        assertThat(mayWrite(fns.verify(), "UpdateItem", USAGE_ITEM)).isTrue();
        assertThat(mayWrite(fns.admin(), "BatchWriteItem", PATH_ITEM, ROOT_ITEM, PIN_ITEM, USAGE_ITEM)).isTrue();

        assertThat(mayWrite(fns.publish(), "PutItem", ROOT_ITEM)).as("a root is only ever moved forward").isFalse();
        assertThat(mayWrite(fns.publish(), "UpdateItem", PIN_ITEM)).isFalse();
        assertThat(mayWrite(fns.publish(), "DeleteItem", ROOT_ITEM)).isFalse();
        assertThat(mayWrite(fns.publish(), "DeleteItem", USAGE_ITEM)).isFalse();
        assertThat(mayWrite(fns.publish(), "UpdateItem", PATH_ITEM)).isFalse();
        assertThat(mayWrite(fns.publish(), "UpdateItem", CACHE_ITEM)).isFalse();
        assertThat(mayWrite(fns.publish(), "UpdateItem", TOKEN_ITEM)).isFalse();
        assertThat(mayWrite(fns.publish(), "PutItem", PIN_ITEM, TOKEN_ITEM)).isFalse();
        for (String item : List.of(ROOT_ITEM, PIN_ITEM)) {
            for (String action : List.of("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem")) {
                assertThat(mayWrite(fns.verify(), action, item)).as("verify " + action + " " + item).isFalse();
            }
        }
        for (String action : List.of("PutItem", "UpdateItem", "DeleteItem")) {
            for (String item : List.of(ROOT_ITEM, PIN_ITEM, USAGE_ITEM)) {
                assertThat(mayWrite(fns.admin(), action, item)).as("admin " + action + " " + item).isFalse();
            }
        }
        for (NixfrontFunction reader : new NixfrontFunction[] {fns.query(), fns.upload()}) {
            for (String item : List.of(ROOT_ITEM, PIN_ITEM, USAGE_ITEM)) {
                for (String action : List.of("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem")) {
                    assertThat(mayWrite(reader, action, item)).as(reader.getNode().getId() + " " + action + " " + item).isFalse();
                }
            }
        }
    }

    @Test
    void adminWritesExactlyTheItemsItsOperationsTouch() {
        // create cache, create token, revoke token, mark a cache deleted, delete its paths, undo a creation,
        // migrate the path listing
        assertThat(mayWrite(fns.admin(), "PutItem", CACHE_ITEM)).isTrue();
        assertThat(mayWrite(fns.admin(), "PutItem", TOKEN_ITEM)).isTrue();
        assertThat(mayWrite(fns.admin(), "UpdateItem", TOKEN_ITEM)).isTrue();
        assertThat(mayWrite(fns.admin(), "UpdateItem", CACHE_ITEM)).isTrue();
        assertThat(mayWrite(fns.admin(), "BatchWriteItem", PATH_ITEM, "PATH#team#1123456789abcdfghijklmnpqrsvwxyz")).isTrue();
        assertThat(mayWrite(fns.admin(), "DeleteItem", CACHE_ITEM)).isTrue();
        // the listing migration re-lists a path item (its index keys only, LISTING_MOVES), never rewrites one
        assertThat(mayWrite(fns.admin(), "UpdateItem", PATH_ITEM)).isFalse();
        // and nothing else (its BatchWriteItem could put path items too: IAM does not tell a batch's puts
        // from its deletes)
        assertThat(mayWrite(fns.admin(), "PutItem", PATH_ITEM)).isFalse();
        assertThat(mayWrite(fns.admin(), "DeleteItem", TOKEN_ITEM)).isFalse();
        assertThat(mayWrite(fns.admin(), "BatchWriteItem", PATH_ITEM, TOKEN_ITEM)).isFalse();
        assertThat(mayWrite(fns.admin(), "PutItem", "ANYTHING#else")).isFalse();
    }

    @Test
    void noStatementInTheStackWritesTheTableWithoutBindingThePartitionKeys() {
        String table = "<" + Nag.logicalId(stack.storage().table()) + ".Arn>";
        for (Map<String, Object> policy : resources(template, "AWS::IAM::Policy").values()) {
            for (Object statement : list(at(policy, "Properties", "PolicyDocument", "Statement"))) {
                List<Object> actions = list(map(statement).get("Action"));
                boolean tableWrite = actions.stream().map(String::valueOf).anyMatch(a -> a.startsWith("dynamodb:")
                        && !Set.of("dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem").contains(a));
                if (!tableWrite) {
                    continue;
                }
                assertThat(list(map(statement).get("Resource")).stream().map(Json::render)).as(render(statement))
                        .containsExactly(table);
                Object condition = map(statement).get("Condition");
                assertThat(at(condition, "ForAllValues:StringLike", "dynamodb:LeadingKeys")).as(render(statement)).isNotNull();
                // ForAllValues alone would also allow a request that carried no key at all.
                assertThat(at(condition, "Null", "dynamodb:LeadingKeys")).as(render(statement)).isEqualTo("false");
            }
        }
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
    void onlyTheAdminFunctionMayTouchTheEdgeStoreAndInvalidateAndOnlyThatStoreAndDistribution() {
        assertThat(grants(fns.admin())).containsAll(EDGE_STORE).containsAll(invalidation);
        for (NixfrontFunction fn : fns.all()) {
            assertThat(grants(fn).stream().filter(g -> g.startsWith("cloudfront")).collect(java.util.stream.Collectors.toSet()))
                    .as(fn.getNode().getId()).isEqualTo(fn == fns.admin() ? union(EDGE_STORE, invalidation) : Set.of());
        }
    }

    @Test
    void onlyTheAdminFunctionMayReadTheAdminTokenSecret() {
        assertThat(grants(fns.admin())).containsAll(SECRET);
        Set<String> holders = new TreeSet<>();
        for (Map.Entry<String, Map<String, Object>> policy : resources(template, "AWS::IAM::Policy").entrySet()) {
            for (Object statement : list(at(policy.getValue(), "Properties", "PolicyDocument", "Statement"))) {
                boolean secrets = list(map(statement).get("Action")).stream().anyMatch(a -> ((String) a).startsWith("secretsmanager:"));
                if (secrets) {
                    list(at(policy.getValue(), "Properties", "Roles")).forEach(r -> holders.add(render(r)));
                }
            }
        }
        assertThat(holders).containsExactly("<" + Nag.logicalId(fns.admin().role()) + ">");
        assertThat(resources(template, "AWS::SecretsManager::ResourcePolicy")).isEmpty();
    }

    /**
     * The key policy is the last word on a KMS key: with the default one ({@code kms:*} for the
     * account) any principal with broad KMS rights could unwrap every cache's signing key. Here the
     * account may manage the key but use it for nothing, and only the named roles may, each only
     * with a cache encryption context.
     */
    @Test
    void theKeyPolicyLetsOnlyTheSigningFunctionsUnwrapAndOnlyAdminWrapWithACacheContext() {
        Map<String, Object> key = resources(template, "AWS::KMS::Key").get(Nag.logicalId(stack.storage().signingKeyWrap()));
        Set<String> statements = new TreeSet<>();
        for (Object statement : list(at(key, "Properties", "KeyPolicy", "Statement"))) {
            assertThat(map(statement).get("Effect")).isEqualTo("Allow");
            String principals = new TreeSet<>(list(at(statement, "Principal", "AWS")).stream().map(Json::render)
                    .map(this::role).toList()).toString();
            List<Object> actions = list(map(statement).get("Action"));
            if (principals.contains("root")) {
                assertThat(actions).as("the account administers the key")
                        .containsExactlyInAnyOrderElementsOf(Storage.KEY_ADMINISTRATION)
                        .noneMatch(a -> ((String) a).matches("kms:(\\*|Decrypt|Encrypt|ReEncrypt.*|GenerateDataKey.*|CreateGrant)"));
                assertThat(map(statement).get("Condition")).isNull();
                statements.add(principals + " administers");
            } else {
                statements.add(principals + " " + actions + condition(map(statement).get("Condition")));
            }
        }
        assertThat(statements).containsExactlyInAnyOrder(
                "[arn:aws:iam::" + Deployments.ACCOUNT + ":root] administers",
                "[<Publish.Role>, <Verify.Role>] [kms:Decrypt]" + CACHE_CONTEXT,
                "[<Admin.Role>] [kms:GenerateDataKey]" + CACHE_CONTEXT);
    }

    private String role(String principal) {
        for (NixfrontFunction fn : fns.all()) {
            principal = principal.replace("<" + Nag.logicalId(fn.role()) + ".Arn>", "<" + fn.getNode().getId() + ".Role>");
        }
        return principal;
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

    /**
     * Whether one of the role's table grants allows {@code action} on items with all these partition
     * keys (ForAllValues:StringLike on dynamodb:LeadingKeys; IAM's * spans any characters).
     */
    private boolean mayWrite(NixfrontFunction fn, String action, String... partitionKeys) {
        String prefix = "dynamodb:" + action + " <Table.Arn> if pk like [";
        return grants(fn).stream()
                .filter(g -> g.startsWith(prefix) && g.endsWith("]"))
                .map(g -> List.of(g.substring(prefix.length(), g.length() - 1).split(", ")))
                .anyMatch(patterns -> Arrays.stream(partitionKeys).allMatch(key -> patterns.stream().anyMatch(
                        pattern -> key.matches(Arrays.stream(pattern.split("\\*", -1))
                                .map(Pattern::quote)
                                .collect(Collectors.joining(".*"))))));
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
                String condition = condition(map(statement).get("Condition"));
                for (Object action : list(map(statement).get("Action"))) {
                    for (Object resource : list(map(statement).get("Resource"))) {
                        grants.add(action + " " + name(render(resource)).replace(Nag.logicalId(fn.getNode().findChild("Logs")), "Logs")
                                + condition);
                    }
                }
            }
        }
        return grants;
    }

    /**
     * "" without a condition; " if pk like [A, B]" for exactly ForAllValues:StringLike on LeadingKeys
     * plus its Null guard; any other condition rendered whole, so that it shows in a failed comparison.
     */
    private static String condition(Object condition) {
        if (condition == null) {
            return "";
        }
        Map<String, Object> c = map(condition);
        if (c.equals(Storage.CACHE_CONTEXT_CONDITIONS)) {
            return CACHE_CONTEXT;
        }
        Object patterns = at(c, "ForAllValues:StringLike", "dynamodb:LeadingKeys");
        if (c.size() == 2 && map(c.get("ForAllValues:StringLike")).size() == 1 && patterns != null
                && Map.of("dynamodb:LeadingKeys", "false").equals(c.get("Null"))) {
            return " if pk like " + list(patterns);
        }
        return " if " + c;
    }

    private String name(String resource) {
        return resource
                .replace(Nag.logicalId(stack.storage().bucket()), "Bucket")
                .replace(Nag.logicalId(stack.storage().table()), "Table")
                .replace(Nag.logicalId(stack.storage().signingKeyWrap()), "Key")
                .replace(Nag.logicalId(stack.storage().adminToken()), "Secret")
                .replace(Nag.logicalId(stack.readPath().edgeStore()), "EdgeStore")
                .replace(Nag.logicalId(fns.verify().alias()), "VerifyAlias")
                .replace(Nag.logicalId(fns.collect().alias()), "CollectAlias")
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
