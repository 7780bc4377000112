package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.nixfront.api.ApiRoute;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The local front hands a handler the API Gateway v2 event AWS would, and sends its response back as it is. */
class ApiFrontTest {
    @Test
    void requestsBecomePayload2EventsAndResponsesComeBack() throws Exception {
        AtomicReference<APIGatewayV2HTTPEvent> seen = new AtomicReference<>();
        AtomicReference<String> function = new AtomicReference<>();
        ApiFront.Binding binding = new ApiFront.Binding(ApiRoute.PUBLISH, "nixfront-publish", (event, context) -> {
            seen.set(event);
            function.set(context.getFunctionName());
            return APIGatewayV2HTTPResponse.builder().withStatusCode(409)
                    .withHeaders(Map.of("content-type", "application/json"))
                    .withBody("{\"error\":\"conflict\"}").build();
        });
        try (ApiFront front = new ApiFront(List.of(binding), 0, Clock.systemUTC());
             HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(front.url() + "/v1/caches/team/narinfos?dry=1"))
                    .header("Authorization", "Bearer nf_x").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"paths\":[]}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(409);
            assertThat(response.headers().firstValue("content-type")).contains("application/json");
            assertThat(response.body()).isEqualTo("{\"error\":\"conflict\"}");

            APIGatewayV2HTTPEvent event = seen.get();
            assertThat(event.getVersion()).isEqualTo("2.0");
            assertThat(event.getRouteKey()).isEqualTo("POST /v1/caches/{cache}/narinfos");
            assertThat(event.getRawPath()).isEqualTo("/v1/caches/team/narinfos");
            assertThat(event.getRawQueryString()).isEqualTo("dry=1");
            assertThat(event.getPathParameters()).isEqualTo(Map.of("cache", "team"));
            assertThat(event.getHeaders()).containsEntry("authorization", "Bearer nf_x");
            assertThat(event.getBody()).isEqualTo("{\"paths\":[]}");
            assertThat(event.getIsBase64Encoded()).isFalse();
            assertThat(event.getRequestContext().getHttp().getMethod()).isEqualTo("POST");
            assertThat(event.getRequestContext().getRouteKey()).isEqualTo(event.getRouteKey());
            assertThat(function.get()).isEqualTo("nixfront-publish");

            HttpResponse<String> binary = http.send(HttpRequest.newBuilder(URI.create(front.url() + "/v1/caches/team/narinfos"))
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {0, (byte) 0xff})).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(binary.statusCode()).isEqualTo(409);
            assertThat(seen.get().getIsBase64Encoded()).isTrue();
            assertThat(Base64.getDecoder().decode(seen.get().getBody())).containsExactly(0, 0xff);

            HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(front.url() + "/v1/nothing")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("\"error\":\"not_found\"");
        }
    }

    /** As in AWS: an answer over Lambda's 6 MB is a 502, a function slower than API Gateway's limit a 504. */
    @Test
    void answersAwsWouldRefuseAreRefusedHereToo() throws Exception {
        java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
        ApiFront.Binding big = new ApiFront.Binding(ApiRoute.LIST_CACHES, "nixfront-query", (event, context) ->
                APIGatewayV2HTTPResponse.builder().withStatusCode(200).withBody("x".repeat(ApiFront.MAX_ANSWER + 1)).build());
        ApiFront.Binding slow = new ApiFront.Binding(ApiRoute.LIST_TOKENS, "nixfront-admin", (event, context) -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return APIGatewayV2HTTPResponse.builder().withStatusCode(200).build();
        });
        try (ApiFront front = new ApiFront(List.of(big, slow), 0, Clock.systemUTC(), java.time.Duration.ofMillis(300));
             HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> tooBig = http.send(HttpRequest.newBuilder(URI.create(front.url() + "/v1/caches")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(tooBig.statusCode()).isEqualTo(502);
            assertThat(tooBig.body()).contains("6 MB");
            HttpResponse<String> tooSlow = http.send(HttpRequest.newBuilder(URI.create(front.url() + "/v1/tokens")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(tooSlow.statusCode()).isEqualTo(504);
        } finally {
            never.countDown();
        }
    }
}
