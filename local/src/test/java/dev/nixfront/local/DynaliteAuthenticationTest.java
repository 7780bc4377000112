package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.cache.TokenService;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.Select;

/**
 * The attack of the security review, over the wire against a running local stack: another user of
 * the machine finds dynalite's port on 127.0.0.1 and writes a token record of its own making into
 * the table (pk {@code TOKEN#<sha256 of a token it chose>}, every cache, every permission). Each way
 * of sending it without the stack's credentials gets a 403 and leaves the table as it was, and the
 * token opens nothing; the very same request signed with the stack's credentials does go in, and
 * the token then is an admin's, which shows what the refusals stand between.
 */
@ExtendWith(LocalStackExtension.class)
class DynaliteAuthenticationTest {
    private static final String UNRECOGNIZED = "com.amazonaws.dynamodb.v20120810#UnrecognizedClientException";
    private static final String INVALID_SIGNATURE = "com.amazonaws.dynamodb.v20120810#InvalidSignatureException";
    private static final Set<String> RESTRICTED = Set.of("host", "content-length");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private static HttpClient http;

    private final SecureRandom random = new SecureRandom();

    @BeforeAll
    static void client() {
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void closeClient() {
        http.close();
    }

    @Test
    void aForgedTokenPutWithoutTheStacksCredentialsIsRefusedAndChangesNothing(LocalStack stack) throws Exception {
        Properties own = credentials(stack);
        String keyId = own.getProperty("accessKeyId");
        String secret = own.getProperty("secretAccessKey");
        String token = TokenService.newSecret(random);
        String hash = TokenService.hash(token);
        String forged = forgedTokenItem(hash);
        long items = count(stack);

        HttpResponse<String> unsigned = send(stack, "PutItem", forged, Map.of());
        assertRefused(unsigned, UNRECOGNIZED);

        HttpResponse<String> otherKey = send(stack, "PutItem", forged, sign(stack, "PutItem", forged, "AKIAOTHERUSER0000000", "their-own-secret", Clock.systemUTC()));
        assertRefused(otherKey, UNRECOGNIZED);

        HttpResponse<String> ownKeyWrongSecret = send(stack, "PutItem", forged, sign(stack, "PutItem", forged, keyId, "a-guessed-secret", Clock.systemUTC()));
        assertRefused(ownKeyWrongSecret, INVALID_SIGNATURE);

        // A header that merely names the key id, as anyone could copy it out of a request they saw.
        String now = AMZ_DATE.format(Instant.now());
        Map<String, List<String>> named = Map.of("Authorization", List.of("AWS4-HMAC-SHA256 Credential=" + keyId + "/" + now.substring(0, 8)
                + "/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0".repeat(64)),
                "X-Amz-Date", List.of(now));
        assertRefused(send(stack, "PutItem", forged, named), INVALID_SIGNATURE);

        // A signature of the stack's, if one were ever seen: replayed later, or onto other bytes.
        HttpResponse<String> expired = send(stack, "PutItem", forged,
                sign(stack, "PutItem", forged, keyId, secret, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-20))));
        assertRefused(expired, INVALID_SIGNATURE);
        String harmless = forged.replace(hash, "0".repeat(64));
        assertThat(harmless).hasSameSizeAs(forged);
        HttpResponse<String> swapped = send(stack, "PutItem", forged, sign(stack, "PutItem", harmless, keyId, secret, Clock.systemUTC()));
        assertRefused(swapped, INVALID_SIGNATURE);

        // Through the SDK, as a program of another user would: a plain 403, and nothing written.
        try (DynamoDbClient theirs = DynamoDbClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.US_EAST_1)
                .endpointOverride(stack.dynamoDbEndpoint())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAOTHERUSER0000000", "their-own-secret")))
                .build()) {
            assertThatThrownBy(() -> theirs.putItem(b -> b.tableName(LocalStack.TABLE).item(Map.of(
                    "pk", AttributeValue.fromS("TOKEN#" + hash), "sk", AttributeValue.fromS("TOKEN")))))
                    .isInstanceOfSatisfying(DynamoDbException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(403);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnrecognizedClientException");
                    });
            assertThatThrownBy(() -> theirs.scan(b -> b.tableName(LocalStack.TABLE)))
                    .isInstanceOfSatisfying(DynamoDbException.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        }

        // The stack's own client saw nothing change, and the token opens nothing.
        assertThat(tokenItem(stack, hash)).isEmpty();
        assertThat(count(stack)).isEqualTo(items);
        assertThat(listTokens(stack, token).statusCode()).isEqualTo(401);

        // The same bytes, signed by the stack: they go in, and the token is an admin's. That is what
        // a user of the machine got before dynalite checked signatures.
        try {
            HttpResponse<String> signed = send(stack, "PutItem", forged, sign(stack, "PutItem", forged, keyId, secret, Clock.systemUTC()));
            assertThat(signed.statusCode()).as(signed.body()).isEqualTo(200);
            assertThat(tokenItem(stack, hash)).isNotEmpty();
            assertThat(listTokens(stack, token).statusCode()).isEqualTo(200);
        } finally {
            stack.dynamoDb().deleteItem(b -> b.tableName(LocalStack.TABLE).key(Map.of(
                    "pk", AttributeValue.fromS("TOKEN#" + hash), "sk", AttributeValue.fromS("TOKEN"))));
        }
        assertThat(count(stack)).isEqualTo(items);
    }

    @Test
    void readingTheTableNeedsTheStacksCredentialsToo(LocalStack stack) throws Exception {
        String scan = "{\"TableName\":\"" + LocalStack.TABLE + "\"}";
        assertRefused(send(stack, "Scan", scan, Map.of()), UNRECOGNIZED);
        assertRefused(send(stack, "ListTables", "{}", sign(stack, "ListTables", "{}", "AKIAOTHERUSER0000000", "their-own-secret", Clock.systemUTC())),
                UNRECOGNIZED);
        // dynalite's health check answers GET without looking at the request: not any more.
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(root(stack)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertRefused(get, UNRECOGNIZED);

        Properties own = credentials(stack);
        HttpResponse<String> signed = send(stack, "ListTables", "{}",
                sign(stack, "ListTables", "{}", own.getProperty("accessKeyId"), own.getProperty("secretAccessKey"), Clock.systemUTC()));
        assertThat(signed.statusCode()).as(signed.body()).isEqualTo(200);
        assertThat(signed.body()).contains(LocalStack.TABLE);
    }

    private static void assertRefused(HttpResponse<String> response, String type) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(response.body()).contains("\"__type\":\"" + type + "\"");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/x-amz-json-1.0");
    }

    /** What {@code DynamoDbTokenRepository} writes for a token of every cache with every permission. */
    private static String forgedTokenItem(String hash) {
        return "{\"TableName\":\"" + LocalStack.TABLE + "\",\"Item\":{"
                + "\"pk\":{\"S\":\"TOKEN#" + hash + "\"},\"sk\":{\"S\":\"TOKEN\"},"
                + "\"gsi1pk\":{\"S\":\"TOKENS\"},\"gsi1sk\":{\"S\":\"tk_f0f0f0f0f0f0f0f0\"},\"id\":{\"S\":\"tk_f0f0f0f0f0f0f0f0\"},"
                + "\"secretHash\":{\"S\":\"" + hash + "\"},\"description\":{\"S\":\"forged\"},"
                + "\"caches\":{\"L\":[{\"S\":\"*\"}]},\"permissions\":{\"L\":[{\"S\":\"admin\"},{\"S\":\"read\"},{\"S\":\"write\"}]},"
                + "\"createdAt\":{\"S\":\"2026-01-01T00:00:00Z\"}}}";
    }

    private static URI root(LocalStack stack) {
        return stack.dynamoDbEndpoint().resolve("/");
    }

    /** The headers of a DynamoDB request signed by the SDK's own SigV4 signer. */
    private static Map<String, List<String>> sign(LocalStack stack, String target, String body, String keyId, String secret, Clock clock) {
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(root(stack))
                .putHeader("Content-Type", "application/x-amz-json-1.0")
                .putHeader("X-Amz-Target", "DynamoDB_20120810." + target)
                .build();
        return AwsV4HttpSigner.create().sign(r -> r
                        .identity(AwsCredentialsIdentity.create(keyId, secret))
                        .request(request)
                        .payload(ContentStreamProvider.fromUtf8String(body))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "dynamodb")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                        .putProperty(HttpSigner.SIGNING_CLOCK, clock))
                .request().headers();
    }

    /** A raw POST to dynalite; Host and Content-Length are the client's own, as signed. */
    private static HttpResponse<String> send(LocalStack stack, String target, String body, Map<String, List<String>> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(root(stack))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-amz-json-1.0")
                .header("X-Amz-Target", "DynamoDB_20120810." + target)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach((name, values) -> {
            if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
                request.setHeader(name, String.join(",", values));
            }
        });
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> listTokens(LocalStack stack, String token) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(stack.apiUrl().resolve("/v1/tokens"))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, AttributeValue> tokenItem(LocalStack stack, String hash) {
        return stack.dynamoDb().getItem(b -> b.tableName(LocalStack.TABLE).consistentRead(true).key(Map.of(
                "pk", AttributeValue.fromS("TOKEN#" + hash), "sk", AttributeValue.fromS("TOKEN")))).item();
    }

    private static long count(LocalStack stack) {
        return stack.dynamoDb().scanPaginator(b -> b.tableName(LocalStack.TABLE).select(Select.COUNT)).stream()
                .mapToLong(page -> page.count()).sum();
    }

    private static Properties credentials(LocalStack stack) throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(stack.directory().resolve("credentials.properties"))) {
            properties.load(in);
        }
        return properties;
    }
}
