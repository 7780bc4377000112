package dev.nixfront.infra;

import java.util.List;
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
 * <pre>
 * GET    /v1/caches                          query
 * GET    /v1/caches/{cache}                  query
 * POST   /v1/caches/{cache}/missing          query
 * GET    /v1/caches/{cache}/paths/{hash}     query
 * POST   /v1/caches/{cache}/uploads          upload
 * POST   /v1/caches/{cache}/uploads/parts    upload
 * POST   /v1/caches/{cache}/uploads/complete upload
 * POST   /v1/caches/{cache}/narinfos         publish
 * POST   /v1/caches                          admin
 * DELETE /v1/caches/{cache}                  admin
 * POST   /v1/tokens                          admin
 * GET    /v1/tokens                          admin
 * DELETE /v1/tokens/{id}                     admin
 * </pre>
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

        Functions fns = props.functions();
        HttpLambdaIntegration query = integration("Query", fns.query());
        HttpLambdaIntegration upload = integration("Upload", fns.upload());
        HttpLambdaIntegration publish = integration("Publish", fns.publish());
        HttpLambdaIntegration admin = integration("Admin", fns.admin());

        route("/v1/caches", HttpMethod.GET, query);
        route("/v1/caches/{cache}", HttpMethod.GET, query);
        route("/v1/caches/{cache}/missing", HttpMethod.POST, query);
        route("/v1/caches/{cache}/paths/{hash}", HttpMethod.GET, query);
        route("/v1/caches/{cache}/uploads", HttpMethod.POST, upload);
        route("/v1/caches/{cache}/uploads/parts", HttpMethod.POST, upload);
        route("/v1/caches/{cache}/uploads/complete", HttpMethod.POST, upload);
        route("/v1/caches/{cache}/narinfos", HttpMethod.POST, publish);
        route("/v1/caches", HttpMethod.POST, admin);
        route("/v1/caches/{cache}", HttpMethod.DELETE, admin);
        route("/v1/tokens", HttpMethod.POST, admin);
        route("/v1/tokens", HttpMethod.GET, admin);
        route("/v1/tokens/{id}", HttpMethod.DELETE, admin);

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
