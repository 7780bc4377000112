package dev.nixfront.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.api.MissingRequest;
import dev.nixfront.cache.Principal;
import dev.nixfront.cache.Services;
import java.util.Objects;

/** Read-only routes: the {@link ApiRoute}s of {@link ApiRoute.Function#QUERY}. */
public final class QueryHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final Services services;

    /** Lambda's entry: services from the AWS adapters, built once per container, and the SnapStart priming ({@link Priming}). */
    public QueryHandler() {
        this(Wiring.services());
        Wiring.registerPriming(this);
    }

    /** Any wiring: the local stack's adapters, or fakes in tests. */
    public QueryHandler(Services services) {
        this.services = Objects.requireNonNull(services);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return Http.respond(event, context, request -> {
            ApiRoute route = request.route(ApiRoute.Function.QUERY);
            Principal principal = services.tokens().authenticate(request.header("authorization"));
            return switch (route) {
                case LIST_CACHES -> Http.ok(services.caches().list(principal));
                case CACHE_INFO -> Http.ok(services.caches().info(principal, request.param("cache")));
                case MISSING -> Http.ok(services.query().missing(principal, request.param("cache"),
                        request.body(MissingRequest.class)));
                case PATH_STATUS -> Http.ok(services.query().status(principal, request.param("cache"), request.param("hash")));
                case LIST_PINS -> Http.ok(services.pins().list(principal, request.param("cache"), request.query("after")));
                default -> throw new IllegalStateException(route + " is declared for the query function but not handled here");
            };
        });
    }
}
