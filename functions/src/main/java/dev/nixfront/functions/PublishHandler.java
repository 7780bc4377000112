package dev.nixfront.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.api.LogsRequest;
import dev.nixfront.api.PinRequest;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.RootsRequest;
import dev.nixfront.cache.Principal;
import dev.nixfront.cache.Services;
import java.util.Objects;

/**
 * The {@link ApiRoute}s of {@link ApiRoute.Function#PUBLISH}, everything a write token does besides
 * uploading: {@code POST /v1/caches/{cache}/narinfos} verifies, signs and indexes a batch of paths
 * (big ones are handed to the verify function and answer {@code verifying}); the roots a push
 * reports and the pins are garbage collection's bookkeeping of the same writers, so they live here
 * rather than in a role of their own; {@code POST /v1/caches/{cache}/logs} verifies and stores build
 * logs, which only this role (with verify) may write where they are served.
 */
public final class PublishHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final Services services;

    /** Lambda's entry: services from the AWS adapters, built once per container, and the SnapStart priming ({@link Priming}). */
    public PublishHandler() {
        this(Wiring.services());
        Wiring.registerPriming(this);
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
                case RECORD_ROOTS -> {
                    request.noQuery();
                    yield Http.ok(services.roots().record(principal, request.param("cache"), request.body(RootsRequest.class)));
                }
                case PUT_PIN -> {
                    request.noQuery();
                    yield Http.ok(services.pins().put(principal, request.param("cache"), request.param("name"),
                            request.body(PinRequest.class)));
                }
                case DELETE_PIN -> {
                    request.noQuery();
                    services.pins().delete(principal, request.param("cache"), request.param("name"));
                    yield Http.noContent();
                }
                case PUBLISH_LOGS -> {
                    request.noQuery();
                    yield Http.ok(services.logs().publish(principal, request.param("cache"), request.body(LogsRequest.class)));
                }
                default -> throw new IllegalStateException(route + " is declared for the publish function but not handled here");
            };
        });
    }
}
