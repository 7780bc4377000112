package dev.nixfront.functions;

import static dev.nixfront.functions.HandlerTest.call;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import dev.nixfront.cache.CacheSettings;
import dev.nixfront.cache.Services;
import dev.nixfront.cache.TokenService;
import dev.nixfront.cache.fake.FakePorts;
import dev.nixfront.functions.HandlerTest.Answer;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The token routes through the admin handler: bounds of makers, a cache admin's reach, the query. */
class TokenHandlerTest {
    private static final String ROOT = "nf_tokenhandlertokenhandlertokenhandlertoken";

    private final FakePorts fakes = new FakePorts();
    private final Services services = Services.create(fakes.ports(), CacheSettings.defaults("https://cache.example.org"),
            fakes.clock, new SecureRandom());
    private final AdminHandler admin = new AdminHandler(services);
    private final QueryHandler query = new QueryHandler(services);

    TokenHandlerTest() {
        services.tokens().registerBootstrap(TokenService.hash(ROOT), "test bootstrap");
        // Tokens are made for caches that exist (and stay bound to them).
        for (String cache : List.of("team", "other")) {
            try {
                assertThat(call(admin, "POST", "/v1/caches", ROOT, "{\"name\":\"" + cache + "\"}").status()).isEqualTo(201);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    private Answer create(String maker, List<String> caches, List<String> permissions, Instant expiresAt) throws Exception {
        Map<String, Object> body = new HashMap<>(Map.of("caches", caches, "permissions", permissions));
        if (expiresAt != null) {
            body.put("expiresAt", expiresAt.toString());
        }
        return call(admin, "POST", "/v1/tokens", maker, Json.write(body));
    }

    private String secret(Answer created) {
        assertThat(created.status()).as(String.valueOf(created.body())).isEqualTo(201);
        return created.body().get("token").asText();
    }

    /** {@code GET /v1/tokens} with query parameters, as API Gateway hands them over: decoded. */
    private Answer list(String token, Map<String, String> parameters) throws Exception {
        APIGatewayV2HTTPEvent event = HandlerTest.event("GET", "/v1/tokens", token, null);
        event.setQueryStringParameters(parameters);
        var response = admin.handleRequest(event, null);
        return new Answer(response.getStatusCode(), Json.mapper().readTree(response.getBody()));
    }

    private static List<String> ids(Answer listing) {
        List<String> ids = new ArrayList<>();
        listing.body().get("tokens").forEach(t -> ids.add(t.get("id").asText()));
        return ids;
    }

    private static void assertInvalid(Answer a, String field) {
        assertThat(a.status()).as(String.valueOf(a.body())).isEqualTo(400);
        assertThat(a.error()).isEqualTo("invalid");
        assertThat(a.body().get("field").asText()).isEqualTo(field);
    }

    @Test
    void aChildTokenNeverOutlivesItsMakerAndDiesWithIt() throws Exception {
        Instant inAMinute = fakes.clock.instant().plusSeconds(60);
        Answer makerAnswer = create(ROOT, List.of("*"), List.of("admin"), inAMinute);
        String maker = secret(makerAnswer);
        String makerId = makerAnswer.body().at("/info/id").asText();

        assertInvalid(create(maker, List.of("*"), List.of("admin"), inAMinute.plus(Duration.ofDays(3650))), "expiresAt");
        Answer childAnswer = create(maker, List.of("team"), List.of("admin"), null);
        JsonNode info = childAnswer.body().get("info");
        assertThat(Instant.parse(info.get("expiresAt").asText())).as("the maker's expiry, said in the answer").isEqualTo(inAMinute);
        assertThat(info.get("createdBy").asText()).isEqualTo(makerId);
        String grandchild = secret(create(secret(childAnswer), List.of("team"), List.of("read"), null));

        assertThat(call(admin, "DELETE", "/v1/tokens/" + makerId, ROOT, null).status()).isEqualTo(204);

        for (String dead : List.of(secret(childAnswer), grandchild)) {
            Answer refused = call(query, "GET", "/v1/caches", dead, null);
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.body().get("reason").asText()).contains(makerId, "revoked");
        }
    }

    @Test
    void aCacheAdminSeesAndRevokesOnlyTheTokensOfItsCaches() throws Exception {
        Answer teamAdminAnswer = create(ROOT, List.of("team"), List.of("admin"), null);
        String teamAdmin = secret(teamAdminAnswer);
        Answer reader = create(teamAdmin, List.of("team"), List.of("read"), null);
        Answer wide = create(ROOT, List.of("team", "other"), List.of("write"), null);
        String wideId = wide.body().at("/info/id").asText();
        String readerId = reader.body().at("/info/id").asText();

        assertThat(ids(list(teamAdmin, null))).containsExactlyInAnyOrder(teamAdminAnswer.body().at("/info/id").asText(), readerId);
        assertThat(ids(list(teamAdmin, Map.of("cache", "team")))).hasSize(2);
        assertThat(ids(list(ROOT, Map.of("cache", "other")))).contains(wideId, TokenService.BOOTSTRAP_ID).doesNotContain(readerId);
        assertThat(list(teamAdmin, Map.of("cache", "other")).status()).isEqualTo(403);
        assertInvalid(list(teamAdmin, Map.of("cache", "Team!")), "cache");
        assertInvalid(list(teamAdmin, Map.of("cache", "")), "cache");
        assertInvalid(list(teamAdmin, Map.of("caches", "team")), "caches");
        assertThat(list(secret(reader), null).status()).isEqualTo(403);

        Answer beyond = call(admin, "DELETE", "/v1/tokens/" + wideId, teamAdmin, null);
        Answer absent = call(admin, "DELETE", "/v1/tokens/tk_00000000000000ff", teamAdmin, null);
        assertThat(beyond.status()).isEqualTo(404);
        assertThat(beyond.body().get("reason").asText())
                .isEqualTo(absent.body().get("reason").asText().replace("tk_00000000000000ff", wideId));
        assertThat(call(query, "GET", "/v1/caches", secret(wide), null).status()).isEqualTo(200);

        assertThat(call(admin, "DELETE", "/v1/tokens/" + readerId, teamAdmin, null).status()).isEqualTo(204);
        assertThat(call(query, "GET", "/v1/caches", secret(reader), null).status()).isEqualTo(401);
    }

    @Test
    void aTokenTheMakerCannotGrantIsRefusedAndNothingIsWritten() throws Exception {
        String teamAdmin = secret(create(ROOT, List.of("team"), List.of("admin"), null));
        int before = fakes.tokens.all().size();

        assertThat(create(teamAdmin, List.of("*"), List.of("read"), null).status()).isEqualTo(403);
        assertThat(create(teamAdmin, List.of("team", "other"), List.of("read"), null).status()).isEqualTo(403);
        assertInvalid(create(teamAdmin, List.of("team"), List.of("read"), fakes.clock.instant()), "expiresAt");
        APIGatewayV2HTTPEvent withQuery = HandlerTest.event("POST", "/v1/tokens", teamAdmin,
                Json.write(Map.of("caches", List.of("team"), "permissions", List.of("read"))));
        withQuery.setQueryStringParameters(Map.of("cache", "team"));
        var response = admin.handleRequest(withQuery, null);
        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(Json.mapper().readTree(response.getBody()).get("field").asText()).isEqualTo("cache");

        assertThat(fakes.tokens.all()).hasSize(before);
    }
}
