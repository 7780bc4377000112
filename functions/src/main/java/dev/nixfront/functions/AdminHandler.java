package dev.nixfront.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.IndexMigrationRequest;
import dev.nixfront.api.UpdateCacheRequest;
import dev.nixfront.cache.Principal;
import dev.nixfront.cache.Services;
import java.util.Objects;

/**
 * Administration: the {@link ApiRoute}s of {@link ApiRoute.Function#ADMIN} (create, update and delete caches;
 * create, list ({@code ?cache=NAME}) and revoke tokens; move path listings into the sharded index).
 * Signing keys are sealed here
 * and never leave it; created token secrets appear once, in the 201 body.
 */
public final class AdminHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
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
            ApiRoute route = request.route(ApiRoute.Function.ADMIN);
            Principal principal = services.tokens().authenticate(request.header("authorization"));
            switch (route) {
                case CREATE_CACHE:
                    return Http.created(services.caches().create(principal, request.body(CreateCacheRequest.class)));
                case DELETE_CACHE:
                    services.caches().delete(principal, request.param("cache"));
                    return Http.noContent();
                case UPDATE_CACHE:
                    request.noQuery();
                    return Http.ok(services.caches().update(principal, request.param("cache"), request.body(UpdateCacheRequest.class)));
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
                case MIGRATE_INDEX:
                    request.noQuery();
                    return Http.ok(services.caches().migrateIndex(principal, request.body(IndexMigrationRequest.class)));
                default:
                    throw new IllegalStateException(route + " is declared for the admin function but not handled here");
            }
        });
    }
}
