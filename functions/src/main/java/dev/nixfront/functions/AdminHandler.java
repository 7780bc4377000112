package dev.nixfront.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.cache.Principal;
import dev.nixfront.cache.Services;
import java.util.Objects;

/**
 * Administration: {@code POST /v1/caches}, {@code DELETE /v1/caches/{cache}}, {@code POST /v1/tokens},
 * {@code GET /v1/tokens[?cache=NAME]}, {@code DELETE /v1/tokens/{id}}. Signing keys are sealed here
 * and never leave it; created token secrets appear once, in the 201 body.
 */
public final class AdminHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    static final String CREATE_CACHE = "POST /v1/caches";
    static final String DELETE_CACHE = "DELETE /v1/caches/{cache}";
    static final String CREATE_TOKEN = "POST /v1/tokens";
    static final String LIST_TOKENS = "GET /v1/tokens";
    static final String REVOKE_TOKEN = "DELETE /v1/tokens/{id}";

    private final Services services;

    /** Lambda's entry: services from the AWS adapters, built once per container. */
    public AdminHandler() {
        this(Wiring.services());
    }

    /** Any wiring: the local stack's adapters, or fakes in tests. */
    public AdminHandler(Services services) {
        this.services = Objects.requireNonNull(services);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return Http.respond(event, context, request -> {
            String route = request.route(CREATE_CACHE, DELETE_CACHE, CREATE_TOKEN, LIST_TOKENS, REVOKE_TOKEN);
            Principal principal = services.tokens().authenticate(request.header("authorization"));
            switch (route) {
                case CREATE_CACHE:
                    return Http.created(services.caches().create(principal, request.body(CreateCacheRequest.class)));
                case DELETE_CACHE:
                    services.caches().delete(principal, request.param("cache"));
                    return Http.noContent();
                case CREATE_TOKEN:
                    request.noQuery();
                    return Http.created(services.tokens().create(principal, request.body(CreateTokenRequest.class)));
                case LIST_TOKENS:
                    return Http.ok(services.tokens().list(principal, request.query("cache", "after"),
                            request.query("after", "cache")));
                case REVOKE_TOKEN:
                    request.noQuery();
                    services.tokens().revoke(principal, request.param("id"));
                    return Http.noContent();
                default:
                    throw new IllegalStateException(route);
            }
        });
    }
}
