package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import dev.nixfront.aws.KmsKeyVault;
import dev.nixfront.cache.TrustService;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cli.Main;
import dev.nixfront.functions.Priming;
import dev.nixfront.functions.Wiring;
import dev.nixfront.nix.sign.SecretKey;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.InvalidCiphertextException;

/**
 * A new AWS deployment walked end to end as docs/deploy.md tells a user to, with the Lambda wiring
 * itself ({@code Wiring}, {@code FunctionConfig}, Secrets Manager, KMS, the async Invoke) running
 * over the wire against the stand-ins of {@link AwsModeDeployment}: log in with the admin secret the
 * stack generated, create a cache (its key sealed through KMS), push a closure one of whose paths is
 * verified asynchronously, create and revoke tokens, have the real Nix substitute the result with
 * only the cache's key trusted, rotate the admin secret, and delete the cache (invalidated at the
 * distribution).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AwsModeTest {
    /** Inline verification up to 64 KiB: the closure's 256 KiB path goes to the verify function. */
    private static final long INLINE_MAX = 64 << 10;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Path work;
    private static AwsModeDeployment aws;
    private static String cache;
    private static JsonNode cacheInfo;
    /** The top of the closure pushed in order 3, and its closure. */
    private static String pushedTop;
    private static List<String> pushedClosure;

    @BeforeAll
    static void deploy() throws Exception {
        NixTool.require();
        work = Files.createTempDirectory("nixfront-aws-mode-");
        aws = AwsModeDeployment.start(work.resolve("stack"), INLINE_MAX);
        cache = "aws-" + Closures.seed().substring(0, 8);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (aws != null) {
            aws.close();
        }
        LocalStackExtension.deleteTree(work);
    }

    record Run(int exit, String out, String err) {
        Run ok() {
            if (exit != 0) {
                fail("nixfront exited " + exit + ": " + err + out);
            }
            return this;
        }
    }

    /** The real CLI, in this JVM, with its config under the test's directory. */
    private static Run cli(String... arguments) {
        List<String> args = new ArrayList<>(List.of(arguments));
        args.addAll(List.of("--config-home", work.resolve("config").toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    private static String[] with(String token, String... arguments) {
        List<String> args = new ArrayList<>(List.of(arguments));
        args.addAll(List.of("--server", aws.apiUrl().toString(), "--token", token));
        return args.toArray(String[]::new);
    }

    @Test
    @Order(1)
    void theGeneratedAdminSecretLogsInAsItIs() {
        assertThat(aws.edgeEntries()).as("the admin function filled the new edge store when it started, before any request")
                .containsOnlyKeys("s:filled");
        String secret = aws.adminSecretValue();
        assertThat(secret).as("the stack's SecretStringGenerator output").matches("[A-Za-z0-9]{48}");
        Run login = cli("login", aws.apiUrl().toString(), "--token", secret).ok();
        assertThat(login.out()).contains("logged in to " + aws.apiUrl());
        // Stored, the token needs no flag: the next command reads it from the config.
        assertThat(cli("cache", "list", "--json").ok().out()).contains("\"caches\"");
    }

    @Test
    @Order(2)
    void aCacheIsCreatedWithItsKeySealedThroughKms() throws Exception {
        cli(with(aws.adminSecretValue(), "cache", "create", cache)).ok();
        cacheInfo = Json.mapper().readTree(cli(with(aws.adminSecretValue(), "cache", "info", cache, "--json")).ok().out());
        assertThat(cacheInfo.get("publicKey").asText()).startsWith(cache + "-1:");
        assertThat(cacheInfo.get("substituter").asText()).isEqualTo(aws.cacheUrl() + "/" + cache);
        HttpResponse<String> nixCacheInfo = HTTP.send(HttpRequest.newBuilder(URI.create(aws.cacheUrl() + "/" + cache
                + "/nix-cache-info")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(nixCacheInfo.body()).contains("StoreDir: /nix/store");
        // The admin function wrote the cache's edge entry through the SigV4A-signed KeyValueStore client.
        assertThat(aws.edgeEntries()).containsKeys("c:" + cache, "s:filled");
        // AWS fetches upstreams from public https addresses only: the instance metadata address is
        // refused (400 naming the field) and the cache keeps its default upstream.
        assertThat(cacheInfo.get("upstreams").get(0).get("url").asText()).isEqualTo("https://cache.nixos.org");
        Run metadata = cli(with(aws.adminSecretValue(), "cache", "update", cache, "--no-default-upstream", "--upstream",
                "http://169.254.169.254/latest", "--upstream-key", cacheInfo.get("publicKey").asText()));
        assertThat(metadata.exit()).isNotZero();
        assertThat(metadata.err()).contains("HTTP 400").contains("upstreams[0].url");
        Run privateHttps = cli(with(aws.adminSecretValue(), "cache", "update", cache, "--no-default-upstream", "--upstream",
                "https://10.1.2.3", "--upstream-key", cacheInfo.get("publicKey").asText()));
        assertThat(privateHttps.err()).contains("HTTP 400").contains("upstreams[0].url");
        assertThat(cli(with(aws.adminSecretValue(), "cache", "info", cache, "--json")).ok().out()).contains("https://cache.nixos.org");
    }

    @Test
    @Order(3)
    void aPushWithAnAsynchronouslyVerifiedPathSubstitutesWithOnlyTheCachesKey() throws Exception {
        NixTool nix = new NixTool(work);
        String top = nix.build(Closures.chain(Closures.seed(), 256 << 10)).getFirst();
        List<String> closure = nix.closure(top);
        pushedTop = top;
        pushedClosure = closure;
        JsonNode pushed = Json.mapper().readTree(cli(with(aws.adminSecretValue(), "push", cache, top, "--json")).ok().out());
        assertThat(pushed.get("pushed").asInt()).isEqualTo(closure.size());
        assertThat(pushed.get("logs").asInt()).as("the build logs of middle and top, through the upload and publish functions")
                .isEqualTo(2);

        String verify = aws.functionsByHandler().get("VerifyHandler");
        assertThat(aws.asyncInvocations()).as("the big path went through Lambda's async Invoke of the verify alias")
                .isNotEmpty()
                .allSatisfy(invocation -> {
                    assertThat(invocation.status()).isEqualTo(202);
                    assertThat(invocation.function()).isEqualTo(aws.aliasArn(verify));
                    JsonNode job = Json.mapper().readTree(invocation.payload());
                    assertThat(job.get("cache").asText()).isEqualTo(cache);
                    assertThat(job.get("storeHashes")).isNotEmpty();
                });

        Path store = Files.createTempDirectory(work, "store-");
        nix.copyFrom(cacheInfo.get("substituter").asText(), cacheInfo.get("publicKey").asText(), store, List.of(top))
                .ok("nix copy --from the AWS-mode deployment");
        assertThat(nix.pathInfo(store, closure).ok("nix path-info").out().lines()).hasSize(closure.size());
        NixTool.Result log = nix.run("nix", "log", "--store", cacheInfo.get("substituter").asText(), top);
        assertThat(log.ok("nix log --store the AWS-mode deployment").err()).contains("got build log for '" + top + "'");

        Path other = Files.createTempDirectory(work, "refused-");
        assertThat(nix.copyFrom(cacheInfo.get("substituter").asText(),
                "other-1:" + java.util.Base64.getEncoder().encodeToString(new byte[32]), other, List.of(top)).exit())
                .as("a key the cache did not sign with is refused").isNotZero();
    }

    /**
     * Garbage collection's bookkeeping through the functions the template wires, with their
     * environment: the push's roots and the pins go to the publish function (whose role gained
     * their writes), the pin listing and the usage to the query function, and the counts come from
     * the publish and verify functions' confirmations.
     */
    @Test
    @Order(4)
    void rootsPinsAndUsageGoThroughTheFunctionsOfTheTemplate() throws Exception {
        String admin = aws.adminSecretValue();
        NixTool nix = new NixTool(work);
        String top = nix.build(Closures.chain(Closures.seed(), 1000)).getFirst();
        List<String> closure = nix.closure(top);
        JsonNode before = Json.mapper().readTree(cli(with(admin, "cache", "info", cache, "--json")).ok().out()).get("usage");
        assertThat(before.get("paths").asInt()).as("the push before, its big path counted by the verify function").isEqualTo(4);

        JsonNode pushed = Json.mapper().readTree(cli(with(admin, "push", cache, top, "--json")).ok().out());
        assertThat(pushed.get("roots").asInt()).isEqualTo(1);
        JsonNode again = Json.mapper().readTree(cli(with(admin, "push", cache, top, "--json")).ok().out());
        assertThat(again.get("pushed").asInt()).isZero();
        assertThat(again.get("roots").asInt()).as("recorded also when nothing was missing").isEqualTo(1);
        List<String> roots = new ArrayList<>();
        aws.clients().dynamoDb().scanPaginator(b -> b.tableName(aws.table())).items().forEach(item -> {
            if (item.get("pk").s().startsWith("ROOTS#" + cache + ".")) {
                roots.add(item.get("storePath").s());
            }
        });
        assertThat(roots).contains(top);

        JsonNode usage = Json.mapper().readTree(cli(with(admin, "cache", "info", cache, "--json")).ok().out()).get("usage");
        assertThat(usage.get("paths").asInt()).isEqualTo(before.get("paths").asInt() + closure.size());
        assertThat(usage.get("narBytes").asLong()).isEqualTo(before.get("narBytes").asLong() + pushed.get("fileBytes").asLong());

        cli(with(admin, "pin", cache, "release", top, "--keep-revisions", "2")).ok();
        JsonNode pins = Json.mapper().readTree(cli(with(admin, "pin", "list", cache, "--json")).ok().out());
        assertThat(pins.at("/pins/0/name").asText()).isEqualTo("release");
        assertThat(pins.at("/pins/0/revisions/0/path").asText()).isEqualTo(top);
        cli(with(admin, "pin", "rm", cache, "release")).ok();
        assertThat(Json.mapper().readTree(cli(with(admin, "pin", "list", cache, "--json")).ok().out()).get("pins")).isEmpty();
    }

    @Test
    @Order(5)
    void tokensAreCreatedAndRevokedThroughTheAdminFunction() throws Exception {
        String admin = aws.adminSecretValue();
        String used = cli(with(admin, "token", "create", "--cache", cache, "--permission", "read")).ok().out().strip();
        String unused = cli(with(admin, "token", "create", "--cache", cache, "--permission", "write")).ok().out().strip();
        assertThat(cli(with(used, "cache", "info", cache)).exit()).isZero();

        JsonNode tokens = Json.mapper().readTree(cli(with(admin, "token", "list", "--json")).ok().out()).get("tokens");
        List<String> ids = new ArrayList<>();
        tokens.forEach(t -> {
            if (!t.get("id").asText().equals("tk_bootstrap")) {
                ids.add(t.get("id").asText());
            }
        });
        assertThat(ids).hasSize(2);
        for (String id : ids) {
            cli(with(admin, "token", "revoke", id)).ok();
        }
        // The query function never looked the unused token up, and the admin function revoked both.
        assertThat(cli(with(unused, "cache", "info", cache)).err()).contains("revoked");
        assertThat(cli(with(used, "token", "list")).err()).contains("revoked");
    }

    @Test
    @Order(6)
    void kmsRefusesASealedKeyUnderAnotherCachesContext() {
        var kms = aws.clients().kms();
        var dataKey = kms.generateDataKey(b -> b.keyId(aws.kmsKeyArn()).keySpec(DataKeySpec.AES_256)
                .encryptionContext(Map.of("cache", cache)));
        SdkBytes wrapped = dataKey.ciphertextBlob();
        assertThatThrownBy(() -> kms.decrypt(b -> b.keyId(aws.kmsKeyArn()).ciphertextBlob(wrapped)
                .encryptionContext(Map.of("cache", "other")))).isInstanceOf(InvalidCiphertextException.class);
        assertThatThrownBy(() -> kms.decrypt(b -> b.keyId(aws.kmsKeyArn()).ciphertextBlob(wrapped)))
                .isInstanceOf(InvalidCiphertextException.class);
        assertThat(kms.decrypt(b -> b.keyId(aws.kmsKeyArn()).ciphertextBlob(wrapped)
                .encryptionContext(Map.of("cache", cache))).plaintext()).isEqualTo(dataKey.plaintext());

        KmsKeyVault vault = new KmsKeyVault(kms, aws.kmsKeyArn());
        SecretKey key = SecretKey.generate(cache + "-1", new SecureRandom());
        byte[] sealed = vault.seal(CacheName.of(cache), key);
        assertThat(vault.open(CacheName.of(cache), sealed).publicKey()).isEqualTo(key.publicKey());
        assertThatThrownBy(() -> vault.open(CacheName.of("other"), sealed)).isInstanceOf(RuntimeException.class);
    }

    @Test
    @Order(7)
    void rotatingTheSecretAndDeployingAnewRetiresTheOldToken() throws Exception {
        String old = aws.adminSecretValue();
        String rotated = aws.generateSecretValue();
        aws.clients().secretsManager().putSecretValue(b -> b.secretId(aws.adminSecretArn()).secretString(rotated));
        aws.coldStart();
        cli("login", aws.apiUrl().toString(), "--token", rotated).ok();
        assertThat(cli(with(rotated, "cache", "info", cache)).exit()).isZero();
        Run refused = cli(with(old, "cache", "info", cache));
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains("revoked");
    }

    /**
     * An upgrade of a deployment made before the sharded listing: the pushed cache's path items are
     * put back as that version wrote them (listed under gsi1pk=PATHS#<cache>), and the CLI's
     * migrate-index moves them through the admin function, with its template environment and grants.
     */
    @Test
    @Order(8)
    void theListingMigrationRunsThroughTheAdminFunction() {
        var dynamoDb = aws.clients().dynamoDb();
        List<Map<String, AttributeValue>> paths = new ArrayList<>();
        dynamoDb.scanPaginator(b -> b.tableName(aws.table())).items().forEach(item -> {
            if (item.get("pk").s().startsWith("PATH#" + cache + ".")) {
                paths.add(item);
            }
        });
        assertThat(paths).isNotEmpty();
        for (Map<String, AttributeValue> item : paths) {
            Map<String, AttributeValue> old = new HashMap<>(item);
            String owner = item.get("pk").s().split("#")[1];
            old.remove("gsi2pk");
            old.put("gsi1pk", AttributeValue.fromS("PATHS#" + owner));
            old.put("gsi1sk", old.remove("gsi2sk"));
            dynamoDb.putItem(b -> b.tableName(aws.table()).item(old));
        }

        Run migrated = cli(with(aws.adminSecretValue(), "cache", "migrate-index")).ok();

        assertThat(migrated.out()).contains("migrated " + cache, "paths moved");
        for (Map<String, AttributeValue> item : paths) {
            Map<String, AttributeValue> now = dynamoDb.getItem(b -> b.tableName(aws.table())
                    .key(Map.of("pk", item.get("pk"), "sk", item.get("sk"))).consistentRead(true)).item();
            assertThat(now).isEqualTo(item);
        }
        // Only an admin of all caches migrates.
        String reader = cli(with(aws.adminSecretValue(), "token", "create", "--cache", cache, "--permission", "admin")).ok().out().strip();
        assertThat(cli(with(reader, "cache", "migrate-index")).err()).contains("forbidden", "admin permission on all caches");
    }

    /**
     * The EventBridge rule's input, through the admin function as the template wires it, repairs the
     * store: what a crash between a table write and a store write, or another writer, left behind.
     */
    @Test
    @Order(9)
    void theScheduledEdgeSyncRepairsTheStoreThroughTheAdminFunction() throws Exception {
        String stray = "t:" + "e".repeat(64) + ":" + cache;
        String entry = aws.edgeEntries().get("c:" + cache);
        aws.driftEdge(Map.of(stray, "{\"i\":\"\",\"e\":0}"), List.of("c:" + cache));

        Map<String, Object> answers = aws.fireSchedules();

        assertThat(answers.keySet()).hasSize(2).anyMatch(rule -> rule.contains("DailyCollection"));
        APIGatewayV2HTTPResponse answer = (APIGatewayV2HTTPResponse) answers.entrySet().stream()
                .filter(e -> e.getKey().contains("EdgeSync")).findFirst().orElseThrow().getValue();
        assertThat(answer.getStatusCode()).isEqualTo(200);
        JsonNode outcome = Json.mapper().readTree(answer.getBody());
        assertThat(outcome.get("put").asInt()).isEqualTo(1);
        assertThat(outcome.get("deleted").asInt()).isEqualTo(1);
        assertThat(aws.edgeEntries()).doesNotContainKey(stray).containsEntry("c:" + cache, entry).containsKey("s:filled");
    }

    /**
     * Garbage collection in AWS: the admin function (built from its template environment) takes the
     * cache's lease and queues a job with an asynchronous Invoke of the collect function's alias;
     * the collect function marks, waits the fence ({@value AwsModeDeployment#COLLECTION_FENCE_SECONDS}
     * s here) and sweeps with its own role's clients, while the CLI reads the state until it is done.
     * A removal of a path goes the same way, and so does the daily schedule's collection.
     */
    @Test
    @Order(10)
    void collectionsAndRemovalsRunAsJobsOfTheCollectFunction() throws Exception {
        cli(with(aws.adminSecretValue(), "cache", "update", cache, "--retention", "0s", "--nar-grace", "0s")).ok();
        JsonNode dry = Json.mapper().readTree(cli(with(aws.adminSecretValue(), "gc", cache, "--dry-run", "--json")).ok().out());
        assertThat(dry.get("dryRun").asBoolean()).isTrue();
        assertThat(dry.get("retention").asText()).isEqualTo("0s");
        int everything = dry.get("pathsCollected").asInt();
        assertThat(everything).as("retention 0s: every path the earlier tests pushed").isGreaterThanOrEqualTo(pushedClosure.size());

        JsonNode removed = Json.mapper().readTree(cli(with(aws.adminSecretValue(), "path", "rm", cache, pushedTop, "--json")).ok().out());
        assertThat(removed.get("pathsCollected").asInt()).isEqualTo(1);
        assertThat(removed.get("paths").get(0).get("storePath").asText()).isEqualTo(pushedTop);
        assertThat(narinfoStatus(pushedTop)).isEqualTo(404);
        assertThat(removed.get("logsDeleted").asInt()).as("its build log, by the collect function").isEqualTo(1);

        JsonNode done = Json.mapper().readTree(cli(with(aws.adminSecretValue(), "gc", cache, "--json")).ok().out());
        assertThat(done.get("dryRun").asBoolean()).isFalse();
        assertThat(done.get("pathsCollected").asInt()).isEqualTo(everything - 1);
        assertThat(done.get("narsDeleted").asInt()).isPositive();
        assertThat(done.get("logsDeleted").asInt()).as("middle's").isPositive();
        for (String path : pushedClosure) {
            assertThat(narinfoStatus(path)).as(path).isEqualTo(404);
        }
        String collect = aws.aliasArn(aws.functionsByHandler().get("CollectHandler"));
        assertThat(aws.asyncInvocations().stream().filter(i -> i.function().equals(collect)))
                .as("the removal and the collection, each queued by the admin function").hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(i -> assertThat(i.status()).isEqualTo(202));
        JsonNode status = Json.mapper().readTree(cli(with(aws.adminSecretValue(), "gc", cache, "--status", "--json")).ok().out());
        assertThat(status.get("state").asText()).isEqualTo("done");
        assertThat(status.get("report").get("pathsCollected").asInt()).isEqualTo(everything - 1);

        aws.fireSchedules();
        aws.drainAsync();
        JsonNode daily = Json.mapper().readTree(cli(with(aws.adminSecretValue(), "gc", cache, "--status", "--json")).ok().out());
        assertThat(daily.get("run").asText()).as("the daily rule started a collection of its own").isNotEqualTo(status.get("run").asText());
        assertThat(daily.get("state").asText()).isEqualTo("done");
        assertThat(daily.get("report").get("pathsCollected").asInt()).isZero();
    }

    private static int narinfoStatus(String storePath) throws Exception {
        String hash = storePath.substring("/nix/store/".length(), "/nix/store/".length() + 32);
        return HTTP.send(HttpRequest.newBuilder(URI.create(aws.cacheUrl() + "/" + cache + "/" + hash + ".narinfo")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /**
     * Deleting a cache through the admin function, with its template environment and grants,
     * invalidates the cache's paths at the template's distribution (moto's CloudFront), once its
     * objects are gone; a delete repeated within the name's reservation sweeps and invalidates again,
     * which is how a failed invalidation is repaired.
     */
    @Test
    @Order(11)
    void deletingACacheInvalidatesItsPathsAtTheDistributionAndDeletingAgainInvalidatesAgain() throws Exception {
        String admin = aws.adminSecretValue();
        assertThat(aws.invalidations()).as("nothing is invalidated while the cache lives").isEmpty();

        cli(with(admin, "cache", "delete", cache)).ok();

        assertThat(aws.invalidations()).as("one wildcard path: the whole cache").containsExactly(List.of("/" + cache + "/*"));
        assertThat(aws.clients().s3().listObjectsV2(b -> b.bucket(aws.bucket()).prefix(cache + "/")).contents())
                .as("swept before the invalidation").isEmpty();

        cli(with(admin, "cache", "delete", cache)).ok();

        assertThat(aws.invalidations()).containsExactly(List.of("/" + cache + "/*"), List.of("/" + cache + "/*"));
    }

    @Test
    @Order(12)
    void aGitHubActionsJobTradesItsIdTokenAtTheAdminFunctionForAWriteTokenOfOneCache() throws Exception {
        String admin = aws.adminSecretValue();
        String ci = "oidc-" + Closures.seed().substring(0, 8);
        String other = "oidc-other-" + Closures.seed().substring(0, 8);
        cli(with(admin, "cache", "create", ci)).ok();
        cli(with(admin, "cache", "create", other)).ok();
        try (LoopbackIssuer issuers = new LoopbackIssuer()) {
            String issuer = issuers.issuer("main").url;
            // As deployed, the admin function fetches issuers' keys from public https addresses only.
            Run loopback = cli(with(admin, "trust", "add", ci, "--issuer", issuer, "--subject", "repo:acme/site:ref:refs/heads/main"));
            assertThat(loopback.err()).contains("HTTP 400").contains("issuer");

            aws.coldStart("AdminHandler", Map.of("NIXFRONT_PRIVATE_ADDRESSES", "true"));
            try {
                cli(with(admin, "trust", "add", ci, "--issuer", issuer, "--subject", "repo:acme/site:ref:refs/heads/main", "--ttl", "30m"))
                        .ok();
                Run exchanged = cli("token", "exchange", ci, "--server", aws.apiUrl().toString(),
                        "--request-url", issuers.runnerUrl(), "--request-token", LoopbackIssuer.REQUEST_TOKEN).ok();
                String token = exchanged.out().strip();
                assertThat(exchanged.err()).contains("read,write on " + ci);

                NixTool nix = new NixTool(work);
                String top = nix.build(Closures.chain(Closures.seed(), 1000)).getFirst();
                cli(with(token, "push", ci, top)).ok();
                assertThat(cli(with(token, "push", other, top)).err()).contains("forbidden");
                assertThat(cli(with(token, "token", "create", "--cache", ci, "--permission", "read")).err()).contains("forbidden");

                issuers.subject = "repo:acme/site:ref:refs/heads/dev";
                Run branch = cli("token", "exchange", ci, "--server", aws.apiUrl().toString(),
                        "--request-url", issuers.runnerUrl(), "--request-token", LoopbackIssuer.REQUEST_TOKEN);
                assertThat(branch.err()).contains("not authenticated: " + TrustService.REFUSAL + " (idToken)").doesNotContain("idToken.sub");
            } finally {
                aws.coldStart();
            }
        }
    }

    @Test
    @Order(13)
    void snapStartPrimingOfEveryFunctionReachesItsServicesAndChangesNothing() throws Exception {
        List<String> stored = aws.storedState();
        int invocations = aws.asyncInvocations().size();
        List<String> functions = new ArrayList<>();
        for (Map.Entry<String, String> function : aws.functionsByHandler().entrySet()) {
            Object handler = aws.handler(function.getValue());
            Priming priming = Wiring.priming(handler, aws.environment(function.getValue()));
            List<Priming.Outcome> outcomes = priming.prime();
            priming.restored();
            functions.add(priming.function());
            // ok, or refused by the stand-in as the real service refuses it (a ciphertext that is
            // none, a key no upload names): the request was made either way. Never failed.
            assertThat(outcomes).as(function.getKey()).allSatisfy(o -> assertThat(o.result()).as(o.toString()).isIn("ok", "refused"));
        }
        assertThat(functions).containsExactlyInAnyOrder("query", "upload", "publish", "verify", "admin", "collect");
        aws.drainAsync();
        assertThat(aws.storedState()).as("what priming left in the buckets and the table").isEqualTo(stored);
        assertThat(aws.asyncInvocations()).as("priming invokes nothing (DryRun only)").hasSize(invocations);
    }
}
