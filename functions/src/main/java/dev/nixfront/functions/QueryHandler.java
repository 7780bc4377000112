package dev.nixfront.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.nixfront.api.MissingRequest;
import dev.nixfront.cache.Principal;
import dev.nixfront.cache.Services;
import java.util.Objects;

/**
 * Read-only routes: {@code GET /v1/caches}, {@code GET /v1/caches/{cache}},
 * {@code POST /v1/caches/{cache}/missing}, {@code GET /v1/caches/{cache}/paths/{hash}}.
 */
public final class QueryHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    static final String LIST = "GET /v1/caches";
    static final String INFO = "GET /v1/caches/{cache}";
    static final String MISSING = "POST /v1/caches/{cache}/missing";
    static final String STATUS = "GET /v1/caches/{cache}/paths/{hash}";

    private final Services services;

    /** Lambda's entry: services from the AWS adapters, built once per container. */
    public QueryHandler() {
        this(Wiring.services());
    }

    /** Any wiring: the local stack's adapters, or fakes in tests. */
    public QueryHandler(Services services) {
        this.services = Objects.requireNonNull(services);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return Http.respond(event, context, request -> {
            String route = request.route(LIST, INFO, MISSING, STATUS);
            Principal principal = services.tokens().authenticate(request.header("authorization"));
            return switch (route) {
                case LIST -> Http.ok(services.caches().list(principal));
                case INFO -> Http.ok(services.caches().info(principal, request.param("cache")));
                case MISSING -> Http.ok(services.query().missing(principal, request.param("cache"),
                        request.body(MissingRequest.class)));
                case STATUS -> Http.ok(services.query().status(principal, request.param("cache"), request.param("hash")));
                default -> throw new IllegalStateException(route);
            };
        });
    }
}
