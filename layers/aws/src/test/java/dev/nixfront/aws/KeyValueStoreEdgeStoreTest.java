package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.Json;
import dev.nixfront.cache.port.EdgeStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/**
 * What {@link KeyValueStoreEdgeStore} sends, checked on the wire against a stub of the KeyValueStore
 * data plane that answers with the documented JSON shapes and ETag headers.
 */
class KeyValueStoreEdgeStoreTest {
    private static final String ARN = "arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9";
    private static final String KEYS_PATH = "/key-value-stores/" + ARN + "/keys";
    private static final String DESCRIBE = "{\"KvsARN\":\"" + ARN + "\",\"ItemCount\":0,\"TotalSizeInBytes\":0,"
            + "\"Created\":1767225600,\"Status\":\"READY\"}";

    @Test
    void aWriteReadsTheETagThenUpdatesPutsAndDeletesInOneSigV4aSignedCall() throws Exception {
        try (StubEndpoint kvs = new StubEndpoint(request -> request.method().equals("GET")
                    ? new StubEndpoint.Answer(200, "application/json", Map.of("ETag", "KV1"), DESCRIBE)
                    : new StubEndpoint.Answer(200, "application/json", Map.of("ETag", "KV2"),
                            "{\"ItemCount\":1,\"TotalSizeInBytes\":40}"));
             AwsClients clients = clients(kvs)) {
            KeyValueStoreEdgeStore store = new KeyValueStoreEdgeStore(clients.keyValueStore(), ARN);
            store.put(Map.of("c:team", "{\"p\":true,\"i\":\"3f9a0c1d2b4e5f60\"}"));
            store.delete(List.of("t:ab:team"));

            assertThat(kvs.requests).extracting(StubEndpoint.Request::method).containsExactly("GET", "POST", "GET", "POST");
            for (StubEndpoint.Request request : kvs.requests) {
                assertThat(request.header("Authorization")).startsWith("AWS4-ECDSA-P256-SHA256 Credential=stub-key/");
                assertThat(request.header("Authorization")).contains("/cloudfront-keyvaluestore/aws4_request");
                assertThat(request.header("X-Amz-Region-Set")).isEqualTo("*");
            }
            assertThat(kvs.requests.get(0).path()).isEqualTo("/key-value-stores/" + ARN);
            StubEndpoint.Request put = kvs.requests.get(1);
            assertThat(put.path()).isEqualTo(KEYS_PATH);
            assertThat(put.header("If-Match")).isEqualTo("KV1");
            assertThat(Json.mapper().readTree(put.body())).isEqualTo(Json.mapper().readTree(
                    "{\"Puts\":[{\"Key\":\"c:team\",\"Value\":\"{\\\"p\\\":true,\\\"i\\\":\\\"3f9a0c1d2b4e5f60\\\"}\"}]}"));
            assertThat(Json.mapper().readTree(kvs.requests.get(3).body()))
                    .isEqualTo(Json.mapper().readTree("{\"Deletes\":[{\"Key\":\"t:ab:team\"}]}"));
        }
    }

    @Test
    void aFullBatchIsOneUpdateAndALargerOneIsRefusedBeforeAnyRequest() throws Exception {
        try (StubEndpoint kvs = new StubEndpoint(request -> new StubEndpoint.Answer(200, "application/json",
                    Map.of("ETag", "KV1"), request.method().equals("GET") ? DESCRIBE : "{\"ItemCount\":50,\"TotalSizeInBytes\":1}"));
             AwsClients clients = clients(kvs)) {
            KeyValueStoreEdgeStore store = new KeyValueStoreEdgeStore(clients.keyValueStore(), ARN);
            Map<String, String> fifty = new LinkedHashMap<>();
            IntStream.range(0, EdgeStore.MAX_BATCH).forEach(i -> fifty.put("c:cache" + i, "{\"p\":true}"));
            store.put(fifty);
            assertThat(kvs.requests).hasSize(2);
            assertThat(Json.mapper().readTree(kvs.requests.get(1).body()).get("Puts")).hasSize(EdgeStore.MAX_BATCH);

            fifty.put("c:one-more", "{\"p\":true}");
            assertThatThrownBy(() -> store.put(fifty)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at most 50");
            store.delete(List.of());
            assertThat(kvs.requests).as("nothing sent for a refused or an empty batch").hasSize(2);
        }
    }

    @Test
    void anETagConflictRereadsTheETagAndRetries() {
        AtomicInteger describes = new AtomicInteger();
        try (StubEndpoint kvs = new StubEndpoint(request -> {
                if (request.method().equals("GET")) {
                    return new StubEndpoint.Answer(200, "application/json", Map.of("ETag", "KV" + describes.incrementAndGet()),
                            DESCRIBE);
                }
                return "KV1".equals(request.header("If-Match"))
                        ? new StubEndpoint.Answer(409, "application/json", Map.of("x-amzn-ErrorType", "ConflictException"),
                                "{\"Message\":\"Pre-condition failed: ETag mismatch\"}")
                        : new StubEndpoint.Answer(200, "application/json", Map.of("ETag", "KV3"),
                                "{\"ItemCount\":1,\"TotalSizeInBytes\":40}");
            });
             AwsClients clients = clients(kvs)) {
            new KeyValueStoreEdgeStore(clients.keyValueStore(), ARN).put(Map.of("c:team", "{\"p\":true}"));

            assertThat(kvs.requests).extracting(r -> r.method() + " " + r.header("If-Match"))
                    .containsExactly("GET null", "POST KV1", "GET null", "POST KV2");
        }
    }

    @Test
    void aStoreThatKeepsChangingFailsAfterBoundedAttemptsAndOtherErrorsAreNotRetried() {
        try (StubEndpoint kvs = new StubEndpoint(request -> request.method().equals("GET")
                    ? new StubEndpoint.Answer(200, "application/json", Map.of("ETag", "KV1"), DESCRIBE)
                    : new StubEndpoint.Answer(409, "application/json", Map.of("x-amzn-ErrorType", "ConflictException"),
                            "{\"Message\":\"Pre-condition failed\"}"));
             AwsClients clients = clients(kvs)) {
            assertThatThrownBy(() -> new KeyValueStoreEdgeStore(clients.keyValueStore(), ARN).delete(List.of("c:team")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("ETag conflicts");
            assertThat(kvs.requests.stream().filter(r -> r.method().equals("POST")))
                    .hasSize(KeyValueStoreEdgeStore.MAX_ATTEMPTS);
        }
        try (StubEndpoint kvs = new StubEndpoint(request -> request.method().equals("GET")
                    ? new StubEndpoint.Answer(200, "application/json", Map.of("ETag", "KV1"), DESCRIBE)
                    : new StubEndpoint.Answer(400, "application/json", Map.of("x-amzn-ErrorType", "ValidationException"),
                            "{\"Message\":\"bad key\"}"));
             AwsClients clients = clients(kvs)) {
            assertThatThrownBy(() -> new KeyValueStoreEdgeStore(clients.keyValueStore(), ARN).delete(List.of("c:team")))
                    .hasMessageContaining("bad key");
            assertThat(kvs.requests).hasSize(2);
        }
    }

    @Test
    void listFollowsNextTokenThroughEveryPage() {
        try (StubEndpoint kvs = new StubEndpoint(request -> new StubEndpoint.Answer(200, "application/json", Map.of(),
                request.query() == null
                        ? "{\"Items\":[{\"Key\":\"c:a\",\"Value\":\"1\"},{\"Key\":\"c:b\",\"Value\":\"2\"}],\"NextToken\":\"page2\"}"
                        : "{\"Items\":[{\"Key\":\"t:x:a\",\"Value\":\"3\"}]}"));
             AwsClients clients = clients(kvs)) {
            assertThat(new KeyValueStoreEdgeStore(clients.keyValueStore(), ARN).list())
                    .containsExactly(Map.entry("c:a", "1"), Map.entry("c:b", "2"), Map.entry("t:x:a", "3"));
            List<String> queries = new ArrayList<>();
            kvs.requests.forEach(r -> queries.add(r.path() + "?" + r.query()));
            assertThat(queries).containsExactly(KEYS_PATH + "?null", KEYS_PATH + "?NextToken=page2");
        }
    }

    /** The clients of a process whose KeyValueStore endpoint is overridden: {@link AwsClients#keyValueStore()} as the adapter gets it. */
    private static AwsClients clients(StubEndpoint endpoint) {
        return AwsClients.create(new AwsClientConfig(Region.EU_WEST_1,
                new AwsClientConfig.Endpoints(null, null, null, null, null, endpoint.endpoint(), null), StubEndpoint.CREDENTIALS));
    }
}
