package dev.nixfront.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.cache.CacheSettings;
import dev.nixfront.cache.Services;
import dev.nixfront.cache.TokenService;
import dev.nixfront.cache.fake.FakePorts;
import java.security.SecureRandom;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every declared {@link ApiRoute} reaches a case of its function's handler, and no other function's:
 * adding a route to the table without its handler case fails here, not in production.
 */
class RouteDispatchTest {
    private static final String ADMIN_TOKEN = "nf_bootstrapbootstrapbootstrapbootstrapboots";

    private final Map<ApiRoute.Function, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers =
            handlers();

    private static Map<ApiRoute.Function, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> handlers() {
        FakePorts fakes = new FakePorts();
        Services services = Services.create(fakes.ports(), CacheSettings.defaults("https://cache.example.org"),
                fakes.clock, new SecureRandom());
        services.tokens().registerBootstrap(TokenService.hash(ADMIN_TOKEN), "test bootstrap");
        Map<ApiRoute.Function, RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>> all = new HashMap<>();
        for (ApiRoute.Function function : ApiRoute.Function.values()) {
            all.put(function, switch (function) {
                case QUERY -> new QueryHandler(services);
                case UPLOAD -> new UploadHandler(services);
                case PUBLISH -> new PublishHandler(services);
                case ADMIN -> new AdminHandler(services);
            });
        }
        return all;
    }

    @Test
    void everyRouteIsHandledByItsFunctionWhetherTheFrontNamesItOrNot() throws Exception {
        for (ApiRoute route : ApiRoute.values()) {
            String path = route.path(Collections.nCopies(route.parameters().size(), "team").toArray(String[]::new));
            RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> handler = handlers.get(route.function());

            APIGatewayV2HTTPEvent matched = HandlerTest.event(route.method(), path, ADMIN_TOKEN, null);
            assertHandled(route, handler.handleRequest(matched, null));

            // As API Gateway sends it: the route key it matched and the parameters it bound.
            APIGatewayV2HTTPEvent named = HandlerTest.event(route.method(), path, ADMIN_TOKEN, null);
            named.setRouteKey(route.routeKey());
            Map<String, String> parameters = new HashMap<>();
            route.parameters().forEach(name -> parameters.put(name, "team"));
            named.setPathParameters(parameters);
            assertHandled(route, handler.handleRequest(named, null));
        }
    }

    @Test
    void aFunctionAnswers404ForTheRoutesOfAnother() throws Exception {
        for (ApiRoute route : ApiRoute.values()) {
            String path = route.path(Collections.nCopies(route.parameters().size(), "team").toArray(String[]::new));
            for (ApiRoute.Function other : ApiRoute.Function.values()) {
                if (other == route.function()) {
                    continue;
                }
                APIGatewayV2HTTPEvent named = HandlerTest.event(route.method(), path, ADMIN_TOKEN, null);
                named.setRouteKey(route.routeKey());
                APIGatewayV2HTTPResponse response = handlers.get(other).handleRequest(named, null);
                assertThat(response.getStatusCode()).as(other + " on " + route).isIn(404, 405);
                assertThat(response.getBody()).as(other + " on " + route).containsAnyOf("no route", "not allowed");
            }
        }
    }

    /**
     * Found by an outside review: an event whose route key and path parameters named
     * {@code DELETE /v1/caches/victim} while the request was {@code GET /v1/caches/demo} deleted
     * victim. API Gateway never sends such an event, but the handler now routes by what was
     * requested when the two disagree.
     */
    @Test
    void aRouteKeyThatDisagreesWithTheRequestIsNotTrusted() throws Exception {
        var admin = handlers.get(ApiRoute.Function.ADMIN);
        admin.handleRequest(HandlerTest.event("POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"victim\"}"), null);
        APIGatewayV2HTTPEvent forged = HandlerTest.event("GET", "/v1/caches/demo", ADMIN_TOKEN, null);
        forged.setRouteKey(ApiRoute.DELETE_CACHE.routeKey());
        forged.setPathParameters(Map.of("cache", "victim"));
        assertThat(admin.handleRequest(forged, null).getStatusCode()).isIn(404, 405);
        APIGatewayV2HTTPResponse stillThere = handlers.get(ApiRoute.Function.QUERY).handleRequest(
                HandlerTest.event("GET", "/v1/caches/victim", ADMIN_TOKEN, null), null);
        assertThat(stillThere.getStatusCode()).isEqualTo(200);
    }

    private static void assertHandled(ApiRoute route, APIGatewayV2HTTPResponse response) {
        // The route's own answer may be a refusal (no body, no such cache) but never the router's nor a crash.
        assertThat(response.getStatusCode()).as(route.routeKey()).isNotIn(405, 500);
        if (response.getBody() != null) {
            assertThat(response.getBody()).as(route.routeKey()).doesNotContain("no route for", "not handled here");
        }
    }
}
