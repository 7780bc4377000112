package dev.nixfront.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.api.CompleteUploadRequest;
import dev.nixfront.api.LogsRequest;
import dev.nixfront.api.PartsRequest;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.cache.Principal;
import dev.nixfront.cache.Services;
import java.util.Objects;

/**
 * Presigned uploads: the {@link ApiRoute}s of {@link ApiRoute.Function#UPLOAD} (uploads, parts,
 * complete, and build logs' uploads). No NAR or log byte passes through here.
 */
public final class UploadHandler implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {
    private final Services services;

    /** Lambda's entry: services from the AWS adapters, built once per container, and the SnapStart priming ({@link Priming}). */
    public UploadHandler() {
        this(Wiring.services());
        Wiring.registerPriming(this);
    }

    /** Any wiring: the local stack's adapters, or fakes in tests. */
    public UploadHandler(Services services) {
        this.services = Objects.requireNonNull(services);
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return Http.respond(event, context, request -> {
            ApiRoute route = request.route(ApiRoute.Function.UPLOAD);
            Principal principal = services.tokens().authenticate(request.header("authorization"));
            String cache = request.param("cache");
            return switch (route) {
                case UPLOADS -> Http.ok(services.uploads().request(principal, cache, request.body(UploadRequest.class)));
                case UPLOAD_PARTS -> Http.ok(services.uploads().parts(principal, cache, request.body(PartsRequest.class)));
                case COMPLETE_UPLOAD -> Http.ok(services.uploads().complete(principal, cache, request.body(CompleteUploadRequest.class)));
                case LOG_UPLOADS -> Http.ok(services.logs().uploads(principal, cache, request.body(LogsRequest.class)));
                default -> throw new IllegalStateException(route + " is declared for the upload function but not handled here");
            };
        });
    }
}
