package dev.nixfront.infra;

import dev.nixfront.api.ApiRoute;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigatewayv2.AddRoutesOptions;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpMethod;
import software.amazon.awscdk.services.apigatewayv2.HttpStage;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogDestination;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogSettings;
import software.amazon.awscdk.services.apigatewayv2.LogGroupLogDestination;
import software.amazon.awscdk.services.apigatewayv2.PayloadFormatVersion;
import software.amazon.awscdk.services.apigatewayv2.ThrottleSettings;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The HTTP API (API Gateway v2, payload format 2.0) the CLI talks to. It carries only small JSON
 * documents: NAR bytes go straight to S3 through presigned URLs, so the 10 MB payload limit never
 * applies to them, and no route does work that could approach the 30 s integration limit (large NARs
 * are verified asynchronously). Throttled at the stage; every request is access-logged.
 *
 * <p>Its routes are {@link ApiRoute}'s, each to the alias of the function that serves it.
 */
public final class Api extends Construct {
    /**
     * @param functions    the route targets
     * @param rateLimit    steady-state requests per second
     * @param burstLimit   burst capacity
     * @param logRetention retention of the access log
     */
    public record Props(Functions functions, int rateLimit, int burstLimit, RetentionDays logRetention) {
    }

    private final HttpApi httpApi;
    private final HttpStage stage;

    public Api(Construct scope, String id, Props props) {
        super(scope, id);
        httpApi = HttpApi.Builder.create(this, "HttpApi")
                .description("nixfront API: caches, tokens, uploads, publishing")
                .createDefaultStage(false)
                .build();
        LogGroup accessLogs = LogGroup.Builder.create(this, "AccessLogs")
                .retention(props.logRetention())
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        stage = HttpStage.Builder.create(this, "DefaultStage")
                .httpApi(httpApi)
                .stageName("$default")
                .autoDeploy(true)
                .throttle(ThrottleSettings.builder()
                        .rateLimit(props.rateLimit())
                        .burstLimit(props.burstLimit())
                        .build())
                .accessLogSettings(accessLog(new LogGroupLogDestination(accessLogs)))
                .build();

        Map<ApiRoute.Function, HttpLambdaIntegration> integrations = new EnumMap<>(ApiRoute.Function.class);
        for (ApiRoute.Function function : ApiRoute.Function.values()) {
            integrations.put(function, integration(function.id(), target(props.functions(), function)));
        }
        // addRoutes names a route's construct METHOD/path, and an integration after the first route
        // that uses it: both ids are as they were when these routes were written out by hand, so no
        // route is replaced (RouteTableTest). Keep each function's first route first.
        for (ApiRoute route : ApiRoute.values()) {
            route(route.template(), HttpMethod.valueOf(route.method()), integrations.get(route.function()));
        }

        Nag.suppress(httpApi, "AwsSolutions-APIG4",
                "Every route authenticates the caller inside its function: the bearer token is looked up (hashed) in "
                        + "the index table and checked against the cache and permission the route needs. A Lambda "
                        + "authorizer would add a second cold start to each push and still need the same lookup.");
    }

    /** The API's base URL (https://...execute-api.../). */
    public String url() {
        return stage.getUrl();
    }

    public HttpApi httpApi() {
        return httpApi;
    }

    public HttpStage stage() {
        return stage;
    }

    /** One JSON object per request: who, which route, status, how long, and why if the integration failed. */
    private static IAccessLogSettings accessLog(IAccessLogDestination destination) {
        AccessLogFormat format = AccessLogFormat.custom("{\"requestId\":\"$context.requestId\","
                + "\"time\":\"$context.requestTime\",\"ip\":\"$context.identity.sourceIp\","
                + "\"route\":\"$context.routeKey\",\"status\":\"$context.status\","
                + "\"bytes\":\"$context.responseLength\",\"latencyMs\":\"$context.responseLatency\","
                + "\"integrationLatencyMs\":\"$context.integrationLatency\","
                + "\"integrationError\":\"$context.integrationErrorMessage\"}");
        return new IAccessLogSettings() {
            @Override
            public IAccessLogDestination getDestination() {
                return destination;
            }

            @Override
            public AccessLogFormat getFormat() {
                return format;
            }
        };
    }

    private static NixfrontFunction target(Functions functions, ApiRoute.Function function) {
        return switch (function) {
            case QUERY -> functions.query();
            case UPLOAD -> functions.upload();
            case PUBLISH -> functions.publish();
            case ADMIN -> functions.admin();
        };
    }

    private HttpLambdaIntegration integration(String id, NixfrontFunction fn) {
        return HttpLambdaIntegration.Builder.create(id, fn.alias())
                .payloadFormatVersion(PayloadFormatVersion.VERSION_2_0)
                .build();
    }

    private void route(String path, HttpMethod method, HttpLambdaIntegration integration) {
        httpApi.addRoutes(AddRoutesOptions.builder()
                .path(path)
                .methods(List.of(method))
                .integration(integration)
                .build());
    }
}
