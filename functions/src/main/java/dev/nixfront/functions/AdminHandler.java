package dev.nixfront.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.GcRequest;
import dev.nixfront.api.GcStatus;
import dev.nixfront.api.IndexMigrationRequest;
import dev.nixfront.api.OidcTokenRequest;
import dev.nixfront.api.RemovePathsRequest;
import dev.nixfront.api.TrustRequest;
import dev.nixfront.api.UpdateCacheRequest;
import dev.nixfront.cache.EdgeReconciler;
import dev.nixfront.cache.Principal;
import dev.nixfront.cache.Services;
import java.util.Objects;

/**
 * Administration: the {@link ApiRoute}s of {@link ApiRoute.Function#ADMIN} (create, update and delete caches;
 * create, list ({@code ?cache=NAME}) and revoke tokens; add, list and remove a cache's OpenID Connect trusts, and
 * exchange an ID token for a token (the one route without a bearer token: the ID token is the credential);
 * move path listings into the sharded index;
 * start garbage collections and removals of paths, which run as jobs of the collect function
 * ({@link CollectHandler}) where they outlast a request, and read their state).
 * Signing keys are sealed here
 * and never leave it; created token secrets appear once, in the 201 body.
 *
 * <p>It also runs the edge store's {@link EdgeReconciler} ({@link Services#edge()}): an EventBridge
 * schedule invokes it every few minutes with the event {@code {"routeKey":"nixfront:edge-sync"}}
 * ({@link #EDGE_SYNC}), a route key API Gateway never sends (its are {@code METHOD /path}), and only
 * EventBridge and the API may invoke the function. The admin is the one function that writes the
 * store already, so the reconciler adds no permission to any role.
 */
public final class AdminHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    /** The route key of the scheduled event that runs the edge reconciler. */
    public static final String EDGE_SYNC = "nixfront:edge-sync";

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
        if (EDGE_SYNC.equals(event.getRouteKey())) {
            // Not wrapped in Http.respond: a failure must fail the invocation, so EventBridge's metrics show it.
            return Http.ok(services.edge().reconcile());
        }
        return Http.respond(event, context, request -> {
            ApiRoute route = request.route(ApiRoute.Function.ADMIN);
            if (route == ApiRoute.EXCHANGE_OIDC_TOKEN) {
                // No bearer token: the ID token in the body is the credential.
                request.noQuery();
                return Http.created(services.trusts().exchange(request.body(OidcTokenRequest.class)));
            }
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
                case COLLECT_GARBAGE:
                    request.noQuery();
                    return collection(services.gc().collect(principal, request.param("cache"), request.body(GcRequest.class)));
                case REMOVE_PATHS:
                    request.noQuery();
                    return collection(services.gc().remove(principal, request.param("cache"), request.body(RemovePathsRequest.class)));
                case GC_STATUS:
                    request.noQuery();
                    return Http.ok(services.gc().status(principal, request.param("cache")));
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
                case CREATE_TRUST:
                    request.noQuery();
                    return Http.created(services.trusts().add(principal, request.param("cache"), request.body(TrustRequest.class)));
                case LIST_TRUSTS:
                    request.noQuery();
                    return Http.ok(services.trusts().list(principal, request.param("cache")));
                case DELETE_TRUST:
                    request.noQuery();
                    services.trusts().remove(principal, request.param("cache"), request.param("id"));
                    return Http.noContent();
                default:
                    throw new IllegalStateException(route + " is declared for the admin function but not handled here");
            }
        });
    }

    /** 200 with the outcome of a collection done at once; 202 while its job runs (the client reads GET .../gc). */
    private static APIGatewayV2HTTPResponse collection(GcStatus status) {
        return status.running() ? Http.json(202, status) : Http.ok(status);
    }
}
