package dev.nixfront.local.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The two stand-ins start, answer over the wire, keep data on disk across restarts, and stop; both
 * demand the credentials they were started with (DynaliteAuthenticationTest has dynalite's refusals).
 */
class LocalServersTest {
    private static final String KEY_ID = "local-test";
    private static final String SECRET = "local-test-secret-0123456789";

    @TempDir
    Path dir;

    @Test
    void s3ProxyKeepsObjectsAcrossRestartsAndEnforcesSignatures() throws Exception {
        int port;
        try (S3ProxyServer server = new S3ProxyServer(dir.resolve("s3"), KEY_ID, SECRET, 0).start()) {
            port = server.port();
            assertThat(port).isPositive();
            assertThat(server.endpoint()).isEqualTo(URI.create("http://127.0.0.1:" + port));
            assertThat(server.createBucket("nixfront")).isTrue();
            assertThat(server.createBucket("nixfront")).isFalse();
            try (S3Client s3 = s3(server.endpoint(), SECRET)) {
                s3.putObject(b -> b.bucket("nixfront").key("cache/nix-cache-info"), RequestBody.fromString("StoreDir: /nix/store\n"));
            }
            try (S3Client wrong = s3(server.endpoint(), "not-the-secret")) {
                assertThatThrownBy(() -> wrong.getObjectAsBytes(b -> b.bucket("nixfront").key("cache/nix-cache-info")))
                        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
            }
        }
        assertThat(Files.exists(dir.resolve("s3/nixfront"))).isTrue();
        try (S3ProxyServer again = new S3ProxyServer(dir.resolve("s3"), KEY_ID, SECRET, 0).start();
             S3Client s3 = s3(again.endpoint(), SECRET)) {
            assertThat(s3.getObjectAsBytes(b -> b.bucket("nixfront").key("cache/nix-cache-info")).asUtf8String())
                    .isEqualTo("StoreDir: /nix/store\n");
        }
    }

    @Test
    void dynaliteKeepsTablesOnDiskAndIsGoneAfterClose() {
        ProcessHandle child;
        try (DynaliteServer server = DynaliteServer.of(dir.resolve("dynamodb"), 0, KEY_ID, SECRET).start();
             DynamoDbClient dynamo = dynamo(server.endpoint())) {
            child = ProcessHandle.current().children()
                    .filter(p -> p.info().arguments().map(a -> List.of(a).contains(Integer.toString(server.port()))).orElse(false))
                    .findFirst().orElseThrow();
            dynamo.createTable(b -> b.tableName("items").billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(AttributeDefinition.builder().attributeName("pk").attributeType(ScalarAttributeType.S).build())
                    .keySchema(KeySchemaElement.builder().attributeName("pk").keyType(KeyType.HASH).build()));
            // CreateTable answers CREATING; dynalite writes ACTIVE a moment later (createTableMs 0),
            // which a loaded machine can make come after the next request: poll, with a deadline.
            long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!"ACTIVE".equals(dynamo.describeTable(b -> b.tableName("items")).table().tableStatusAsString())) {
                assertThat(System.nanoTime() - giveUp).as("waiting for the table to be ACTIVE").isNegative();
                Thread.onSpinWait();
            }
        }
        assertThat(child.isAlive()).isFalse();
        try (DynaliteServer again = DynaliteServer.of(dir.resolve("dynamodb"), 0, KEY_ID, SECRET).start();
             DynamoDbClient dynamo = dynamo(again.endpoint())) {
            assertThat(dynamo.listTables().tableNames()).containsExactly("items");
        }
    }

    @Test
    void dynaliteInMemoryStartsEmptyAndReportsAPortInUse() {
        try (DynaliteServer first = DynaliteServer.inMemory(KEY_ID, SECRET).start();
             DynamoDbClient dynamo = dynamo(first.endpoint())) {
            assertThat(dynamo.listTables().tableNames()).isEmpty();
            DynaliteServer clash = DynaliteServer.of(null, first.port(), KEY_ID, SECRET);
            assertThatThrownBy(clash::start)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("EADDRINUSE");
        }
    }

    @Test
    void dynaliteCannotBeStartedWithoutCredentials() {
        assertThatThrownBy(() -> DynaliteServer.inMemory(null, SECRET)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> DynaliteServer.inMemory(KEY_ID, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> DynaliteServer.inMemory("", SECRET)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DynaliteServer.inMemory("a/b", SECRET)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DynaliteServer.inMemory(KEY_ID, " ")).isInstanceOf(IllegalArgumentException.class);
    }

    /** The guard run by hand without the credentials in its environment: it serves nothing. */
    @Test
    void theGuardRefusesToServeWithoutCredentialsInItsEnvironment() throws Exception {
        ProcessBuilder builder = new ProcessBuilder("node", "-", "--dynalite", DynaliteServer.locateDynalite().toString(),
                "--host", "127.0.0.1", "--port", "0").redirectErrorStream(true);
        builder.environment().remove(DynaliteServer.ACCESS_KEY_ID_VARIABLE);
        builder.environment().remove(DynaliteServer.SECRET_ACCESS_KEY_VARIABLE);
        Process node = builder.start();
        try (var in = DynaliteServer.class.getResourceAsStream("dynalite-guard.js"); var out = node.getOutputStream()) {
            in.transferTo(out);
        }
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(node.exitValue()).isEqualTo(2);
        assertThat(output).contains("no credentials").doesNotContain("listening");
    }

    /**
     * A dynalite whose server is wired otherwise than the guard knows (here, a second request
     * handler the guard would not stand before) is not served: the start fails.
     */
    @Test
    void aDynaliteTheGuardCannotStandBeforeDoesNotStart() throws Exception {
        Path fake = Files.createDirectories(dir.resolve("node_modules/dynalite"));
        Files.writeString(fake.resolve("package.json"), "{\"name\":\"dynalite\",\"main\":\"index.js\"}\n");
        Files.writeString(fake.resolve("index.js"), "module.exports = () => {\n"
                + "  const server = require('http').createServer((req, res) => res.end('{}'))\n"
                + "  server.on('request', (req, res) => res.end('{}'))\n"
                + "  return server\n"
                + "}\n");
        DynaliteServer open = new DynaliteServer(null, 0, KEY_ID, SECRET, fake, "node");
        assertThatThrownBy(open::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("2 request handlers");
    }

    @Test
    void locatesTheDynaliteInstalledByTheBuild() {
        assertThat(DynaliteServer.locateDynalite()).isDirectory().endsWith(Path.of("node_modules", "dynalite"));
    }

    private static S3Client s3(URI endpoint, String secret) {
        return S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.US_EAST_1)
                .endpointOverride(endpoint)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY_ID, secret)))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).chunkedEncodingEnabled(false).build())
                .build();
    }

    private static DynamoDbClient dynamo(URI endpoint) {
        return DynamoDbClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.US_EAST_1)
                .endpointOverride(endpoint)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY_ID, SECRET)))
                .build();
    }
}
