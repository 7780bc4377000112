package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.Json;
import dev.nixfront.cache.port.VerifyJob;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;

/** What {@link LambdaVerificationQueue} sends, checked on the wire against a recording endpoint. */
class LambdaVerificationQueueTest {
    private static final VerifyJob JOB = new VerifyJob("team", "3f9a0c1d2b4e5f60",
            List.of("0123456789abcdfghijklmnpqrsvwxyz", "syd87l2rxw8cbsxmxl853h0r6pdwhwjr"));

    @Test
    void invokesTheVerifyFunctionAsynchronouslyWithTheJobAsJson() throws Exception {
        try (StubEndpoint lambda = new StubEndpoint(202, "application/json", "");
             LambdaClient client = client(lambda)) {
            new LambdaVerificationQueue(client, "nixfront-verify").submit(JOB);

            assertThat(lambda.requests).hasSize(1);
            StubEndpoint.Request request = lambda.requests.getFirst();
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.path()).isEqualTo("/2015-03-31/functions/nixfront-verify/invocations");
            assertThat(request.header("X-Amz-Invocation-Type")).isEqualTo("Event");
            assertThat(request.header("Authorization")).startsWith("AWS4-HMAC-SHA256 Credential=stub-key/");
            assertThat(Json.mapper().readTree(request.body())).isEqualTo(Json.mapper().readTree(
                    "{\"cache\":\"team\",\"incarnation\":\"3f9a0c1d2b4e5f60\",\"storeHashes\":[\"0123456789abcdfghijklmnpqrsvwxyz\",\"syd87l2rxw8cbsxmxl853h0r6pdwhwjr\"]}"));
            assertThat(Json.read(request.body(), VerifyJob.class)).isEqualTo(JOB);
        }
    }

    @Test
    void anInvocationLambdaDidNotQueueIsAnError() {
        try (StubEndpoint lambda = new StubEndpoint(200, "application/json", "{}");
             LambdaClient client = client(lambda)) {
            assertThatThrownBy(() -> new LambdaVerificationQueue(client, "nixfront-verify").submit(JOB))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("status 200");
        }
    }

    private static LambdaClient client(StubEndpoint endpoint) {
        return LambdaClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.EU_WEST_1)
                .credentialsProvider(StubEndpoint.CREDENTIALS)
                .endpointOverride(endpoint.endpoint())
                .build();
    }
}
