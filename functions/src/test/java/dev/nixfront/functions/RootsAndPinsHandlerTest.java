package dev.nixfront.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.nixfront.api.Json;
import dev.nixfront.cache.CacheSettings;
import dev.nixfront.cache.Services;
import dev.nixfront.cache.TokenService;
import dev.nixfront.cache.fake.FakePorts;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The roots and pins routes as API Gateway events through their handlers: the wire contract read
 * strictly (each field, each reason, a 4xx JSON error naming it and nothing written), and who may
 * do what (another cache's token, a read-only token, a token of a deleted cache of the same name).
 */
class RootsAndPinsHandlerTest {
    private static final String ADMIN_TOKEN = "nf_bootstrapbootstrapbootstrapbootstrapboots";

    private final FakePorts fakes = new FakePorts();
    private final Services services = Services.create(fakes.ports(),
            CacheSettings.defaults("https://cache.example.org").withNameReservation(Duration.ZERO), fakes.clock, new SecureRandom());
    private final AdminHandler admin = new AdminHandler(services);
    private final QueryHandler query = new QueryHandler(services);
    private final PublishHandler publish = new PublishHandler(services);
    private StorePath published;

    @BeforeEach
    void createTeamWithOnePublishedPath() throws Exception {
        services.tokens().registerBootstrap(TokenService.hash(ADMIN_TOKEN), "test bootstrap");
        assertThat(request(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"team\"}").status()).isEqualTo(201);
        assertThat(request(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"other\"}").status()).isEqualTo(201);
        published = storePath("site-1");
        markPublished(published);
    }

    /** The handler's answer to {@code pathAndQuery}, its query string given to the event as API Gateway parses it. */
    private static HandlerTest.Answer request(RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler, String method,
                                              String pathAndQuery, String token, String body) throws Exception {
        int q = pathAndQuery.indexOf('?');
        APIGatewayV2HTTPEvent event = HandlerTest.event(method, q < 0 ? pathAndQuery : pathAndQuery.substring(0, q), token, body);
        if (q >= 0) {
            Map<String, String> parameters = new HashMap<>();
            for (String pair : pathAndQuery.substring(q + 1).split("&")) {
                String[] kv = pair.split("=", 2);
                parameters.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
            }
            event.setQueryStringParameters(parameters);
        }
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);
        return new HandlerTest.Answer(response.getStatusCode(), response.getBody() == null ? null : Json.mapper().readTree(response.getBody()));
    }

    private CacheRecord team() {
        return fakes.caches.get(CacheName.of("team")).orElseThrow();
    }

    /** Indexes the path as published in team, as a publish would have (the narinfo is not what these routes read). */
    private void markPublished(StorePath path) {
        NarInfo info = NarInfo.builder(path).url("nar/x.nar").compression(Compression.NONE)
                .narHash(Hash.sha256(path.toString().getBytes(StandardCharsets.UTF_8))).narSize(8).build();
        fakes.paths.putUnlessPublished(team(), new PathRecord(info, PathState.PUBLISHED, null, fakes.clock.instant()));
    }

    private static StorePath storePath(String name) {
        return new StorePath("/nix/store", StorePathHash.of(Arrays.copyOf(Hash.sha256(name.getBytes(StandardCharsets.UTF_8)).bytes(), 20)), name);
    }

    private String token(String cache, String permission) throws Exception {
        HandlerTest.Answer a = request(admin, "POST", "/v1/tokens", ADMIN_TOKEN,
                Json.write(Map.of("caches", List.of(cache), "permissions", List.of(permission))));
        assertThat(a.status()).isEqualTo(201);
        return a.body().get("token").asText();
    }

    private static void assertRefused(HandlerTest.Answer a, int status, String error, String field, String reason) {
        assertThat(a.status()).as(a.body().toString()).isEqualTo(status);
        assertThat(a.error()).isEqualTo(error);
        if (field == null) {
            assertThat(a.body().has("field")).as(a.body().toString()).isFalse();
        } else {
            assertThat(a.body().get("field").asText()).as(a.body().toString()).isEqualTo(field);
        }
        assertThat(a.body().get("reason").asText()).as(a.body().toString()).contains(reason).doesNotContain("java.", "`");
    }

    @Test
    void rootsAreRecordedAndTheUnpublishedNamed() throws Exception {
        String unknown = storePath("never").toString();
        HandlerTest.Answer a = request(publish, "POST", "/v1/caches/team/roots", ADMIN_TOKEN,
                Json.write(Map.of("roots", List.of(published.toString(), unknown))));

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body().toString()).isEqualTo("{\"recorded\":[\"" + published + "\"],\"notPublished\":[\"" + unknown + "\"]}");
        assertThat(fakes.roots.list(team())).hasSize(1);
    }

    @Test
    void aBadRootsRequestIsA4xxNamingTheFieldAndRecordsNothing() throws Exception {
        String path = "/v1/caches/team/roots";
        String good = "\"" + published + "\"";
        assertRefused(request(publish, "POST", path, ADMIN_TOKEN, null), 400, "invalid", "body", "needs a JSON body");
        assertRefused(request(publish, "POST", path, ADMIN_TOKEN, "{\"roots\":[" + good + "]"), 400, "invalid", "body", "malformed JSON");
        assertRefused(request(publish, "POST", path, ADMIN_TOKEN, "{}"), 400, "invalid", "roots", "required");
        assertRefused(request(publish, "POST", path, ADMIN_TOKEN, "{\"roots\":null}"), 400, "invalid", "roots", "null");
        assertRefused(request(publish, "POST", path, ADMIN_TOKEN, "{\"roots\":" + good + "}"), 400, "invalid", "roots", "array");
        assertRefused(request(publish, "POST", path, ADMIN_TOKEN, "{\"root\":[" + good + "]}"), 400, "invalid", "root", "unknown property");
        assertRefused(request(publish, "POST", path, ADMIN_TOKEN, "{\"roots\":[" + good + "],\"roots\":[]}"), 400, "invalid", "roots",
                "appears more than once");
        assertRefused(request(publish, "POST", path, ADMIN_TOKEN, "{\"roots\":[]}"), 400, "invalid", "roots", "at least one");
        assertRefused(request(publish, "POST", path, ADMIN_TOKEN, "{\"roots\":[" + good + ",5]}"), 400, "invalid", "roots[1]", "");
        assertRefused(request(publish, "POST", path, ADMIN_TOKEN, "{\"roots\":[" + good + ",\"/nix/store/x\"]}"), 400, "invalid",
                "roots[1]", "too short");
        assertRefused(request(publish, "POST", path, ADMIN_TOKEN, Json.write(Map.of("roots", java.util.Collections.nCopies(1001,
                published.toString())))), 413, "too_many", "roots", "at most 1000");
        assertRefused(request(publish, "POST", path + "?after=x", ADMIN_TOKEN, "{\"roots\":[" + good + "]}"), 400, "invalid", "after",
                "unknown query parameter");
        assertRefused(request(publish, "POST", "/v1/caches/Team/roots", ADMIN_TOKEN, "{\"roots\":[" + good + "]}"), 400, "invalid",
                "cache", "a-z");
        assertThat(fakes.roots.list(team())).isEmpty();
    }

    @Test
    void pinsArePutListedAndRemoved() throws Exception {
        HandlerTest.Answer put = request(publish, "PUT", "/v1/caches/team/pins/release", ADMIN_TOKEN,
                Json.write(Map.of("path", published.toString(), "keepRevisions", 3)));
        assertThat(put.status()).isEqualTo(200);
        assertThat(put.body().toString()).isEqualTo("{\"name\":\"release\",\"keepRevisions\":3,\"revisions\":[{\"path\":\""
                + published + "\",\"pinnedAt\":\"2026-11-25T17:00:00Z\"}]}");

        HandlerTest.Answer list = request(query, "GET", "/v1/caches/team/pins", ADMIN_TOKEN, null);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body().toString()).isEqualTo("{\"pins\":[" + put.body() + "]}");
        assertThat(request(query, "GET", "/v1/caches/team/pins?after=release", ADMIN_TOKEN, null).body().toString()).isEqualTo("{\"pins\":[]}");

        assertThat(request(publish, "DELETE", "/v1/caches/team/pins/release", ADMIN_TOKEN, null).status()).isEqualTo(204);
        assertRefused(request(publish, "DELETE", "/v1/caches/team/pins/release", ADMIN_TOKEN, null), 404, "not_found", "name", "no pin named release");
    }

    @Test
    void aBadPinRequestIsA4xxNamingTheFieldAndWritesNothing() throws Exception {
        String path = "/v1/caches/team/pins/release";
        String good = "\"path\":\"" + published + "\"";
        assertRefused(request(publish, "PUT", path, ADMIN_TOKEN, null), 400, "invalid", "body", "needs a JSON body");
        assertRefused(request(publish, "PUT", path, ADMIN_TOKEN, "[]"), 400, "invalid", "body", "");
        assertRefused(request(publish, "PUT", path, ADMIN_TOKEN, "{}"), 400, "invalid", "path", "required");
        assertRefused(request(publish, "PUT", path, ADMIN_TOKEN, "{\"path\":null}"), 400, "invalid", "path", "null");
        assertRefused(request(publish, "PUT", path, ADMIN_TOKEN, "{\"path\":5}"), 400, "invalid", "path", "");
        assertRefused(request(publish, "PUT", path, ADMIN_TOKEN, "{\"path\":\"/nix/store/x\"}"), 400, "invalid", "path", "too short");
        assertRefused(request(publish, "PUT", path, ADMIN_TOKEN, "{" + good + ",\"keep\":2}"), 400, "invalid", "keep", "unknown property");
        assertRefused(request(publish, "PUT", path, ADMIN_TOKEN, "{" + good + ",\"keepRevisions\":\"2\"}"), 400, "invalid", "keepRevisions", "");
        assertRefused(request(publish, "PUT", path, ADMIN_TOKEN, "{" + good + ",\"keepRevisions\":1.5}"), 400, "invalid", "keepRevisions", "");
        assertRefused(request(publish, "PUT", path, ADMIN_TOKEN, "{" + good + ",\"keepRevisions\":0}"), 400, "invalid", "keepRevisions",
                "between 1 and 100");
        assertRefused(request(publish, "PUT", path, ADMIN_TOKEN, "{" + good + ",\"keepRevisions\":101}"), 400, "invalid", "keepRevisions",
                "between 1 and 100");
        assertRefused(request(publish, "PUT", "/v1/caches/team/pins/a%2Fb", ADMIN_TOKEN, "{" + good + "}"), 400, "invalid", "name", "found '/'");
        assertRefused(request(publish, "PUT", "/v1/caches/team/pins/.x", ADMIN_TOKEN, "{" + good + "}"), 400, "invalid", "name", "'.'");
        assertRefused(request(publish, "PUT", path + "?keepRevisions=2", ADMIN_TOKEN, "{" + good + "}"), 400, "invalid", "keepRevisions",
                "unknown query parameter");
        String unpublished = storePath("site-2").toString();
        assertRefused(request(publish, "PUT", path, ADMIN_TOKEN, "{\"path\":\"" + unpublished + "\"}"), 409, "conflict", "path",
                unpublished + " is not published in cache team");
        assertRefused(request(query, "GET", "/v1/caches/team/pins?before=x", ADMIN_TOKEN, null), 400, "invalid", "before",
                "unknown query parameter");
        assertRefused(request(query, "GET", "/v1/caches/team/pins?after=a%20b", ADMIN_TOKEN, null), 400, "invalid", "after", "found ' '");
        assertRefused(request(publish, "PATCH", path, ADMIN_TOKEN, "{" + good + "}"), 405, "method_not_allowed", null, "not allowed");
        assertThat(fakes.pins.list(team())).isEmpty();
        assertThat(fakes.pins.puts()).isZero();
    }

    @Test
    void readersListWritersWriteAndOtherCachesAndIncarnationsAreRefused() throws Exception {
        String reader = token("team", "read");
        String writer = token("team", "write");
        String otherWriter = token("other", "write");
        String pin = Json.write(Map.of("path", published.toString()));
        String roots = Json.write(Map.of("roots", List.of(published.toString())));

        assertRefused(request(publish, "POST", "/v1/caches/team/roots", reader, roots), 403, "forbidden", "cache", "lacks the write permission");
        assertRefused(request(publish, "PUT", "/v1/caches/team/pins/release", reader, pin), 403, "forbidden", "cache", "lacks the write permission");
        assertRefused(request(publish, "POST", "/v1/caches/team/roots", otherWriter, roots), 403, "forbidden", "cache", "not valid for cache team");
        assertRefused(request(publish, "PUT", "/v1/caches/team/pins/release", otherWriter, pin), 403, "forbidden", "cache",
                "not valid for cache team");
        assertRefused(request(query, "GET", "/v1/caches/team/pins", otherWriter, null), 403, "forbidden", "cache", "not valid for cache team");
        assertRefused(request(publish, "POST", "/v1/caches/team/roots", null, roots), 401, "unauthenticated", "Authorization", "");
        assertThat(fakes.roots.list(team())).isEmpty();
        assertThat(fakes.pins.list(team())).isEmpty();

        assertThat(request(publish, "POST", "/v1/caches/team/roots", writer, roots).status()).isEqualTo(200);
        assertThat(request(publish, "PUT", "/v1/caches/team/pins/release", writer, pin).status()).isEqualTo(200);
        assertThat(request(query, "GET", "/v1/caches/team/pins", reader, null).body().at("/pins/0/name").asText()).isEqualTo("release");
        assertRefused(request(publish, "DELETE", "/v1/caches/team/pins/release", reader, null), 403, "forbidden", "cache",
                "lacks the write permission");
        assertRefused(request(publish, "DELETE", "/v1/caches/team/pins/release", otherWriter, null), 403, "forbidden", "cache",
                "not valid for cache team");

        // A new cache of the same name: nothing of the deleted one shows, and its tokens are refused.
        CacheRecord old = team();
        assertThat(request(admin, "DELETE", "/v1/caches/team", ADMIN_TOKEN, null).status()).isEqualTo(204);
        assertThat(request(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"team\"}").status()).isEqualTo(201);
        assertThat(fakes.roots.list(old)).isEmpty();
        assertThat(fakes.pins.list(old)).isEmpty();
        assertThat(request(query, "GET", "/v1/caches/team/pins", ADMIN_TOKEN, null).body().toString()).isEqualTo("{\"pins\":[]}");
        assertThat(request(query, "GET", "/v1/caches/team", ADMIN_TOKEN, null).body().get("usage").toString())
                .isEqualTo("{\"paths\":0,\"narBytes\":0}");
        assertRefused(request(query, "GET", "/v1/caches/team/pins", reader, null), 403, "forbidden", "cache", "earlier cache named team");
        assertRefused(request(publish, "POST", "/v1/caches/team/roots", writer, roots), 403, "forbidden", "cache", "earlier cache named team");
        assertThat(request(publish, "POST", "/v1/caches/team/roots", ADMIN_TOKEN, roots).body().get("notPublished")).hasSize(1);
    }
}
