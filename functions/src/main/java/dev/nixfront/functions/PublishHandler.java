package dev.nixfront.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.cache.Principal;
import dev.nixfront.cache.Services;
import java.util.Objects;

/**
 * {@link ApiRoute#PUBLISH}, {@code POST /v1/caches/{cache}/narinfos}: verify, sign and index a batch of paths (big ones are
 * handed to the verify function and answer {@code verifying}).
 */
public final class PublishHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final Services services;

    /** Lambda's entry: services from the AWS adapters, built once per container. */
    public PublishHandler() {
        this(Wiring.services());
    }

    /** Any wiring: the local stack's adapters, or fakes in tests. */
    public PublishHandler(Services services) {
        this.services = Objects.requireNonNull(services);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return Http.respond(event, context, request -> {
            ApiRoute route = request.route(ApiRoute.Function.PUBLISH);
            Principal principal = services.tokens().authenticate(request.header("authorization"));
            return switch (route) {
                case PUBLISH -> Http.ok(services.publish().publish(principal, request.param("cache"),
                        request.body(PublishRequest.class)));
                default -> throw new IllegalStateException(route + " is declared for the publish function but not handled here");
            };
        });
    }
}
