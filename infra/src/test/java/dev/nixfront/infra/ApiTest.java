package dev.nixfront.infra;

import static dev.nixfront.infra.Json.at;
import static dev.nixfront.infra.Json.properties;
import static dev.nixfront.infra.Json.render;
import static dev.nixfront.infra.Json.resources;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.ApiRoute;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ApiTest {
    private final Deployments.Synthesized standard = Deployments.standard();
    private final Map<String, Object> template = Deployments.json(standard.main());
    private final Functions fns = standard.stacks().main().functions();

    @Test
    void everyRouteReachesTheAliasOfItsPrivilegeBoundary() {
        Map<String, Map<String, Object>> integrations = resources(template, "AWS::ApiGatewayV2::Integration");
        Map<String, String> routes = new TreeMap<>();
        resources(template, "AWS::ApiGatewayV2::Route").values().forEach(route -> {
            Map<String, Object> p = properties(route);
            String integrationId = render(p.get("Target")).replace("integrations/<", "").replace(">", "");
            Map<String, Object> integration = properties(integrations.get(integrationId));
            routes.put((String) p.get("RouteKey"), aliasName(render(integration.get("IntegrationUri"))));
            assertThat(p).containsEntry("AuthorizationType", "NONE");
        });
        // Exactly the declared routes, each to the alias of the function the declaration names.
        Map<String, String> declared = new TreeMap<>();
        for (ApiRoute route : ApiRoute.values()) {
            declared.put(route.routeKey(), route.function().id());
        }
        assertThat(routes).isEqualTo(declared).containsEntry("POST /v1/caches/{cache}/narinfos", "Publish");
        integrations.values().forEach(integration -> assertThat(properties(integration))
                .containsEntry("IntegrationType", "AWS_PROXY")
                .containsEntry("PayloadFormatVersion", "2.0"));
    }

    @Test
    void theStageIsThrottledAndAccessLogged() {
        assertThat(resources(template, "AWS::ApiGatewayV2::Stage").values()).singleElement().satisfies(stage -> {
            Map<String, Object> p = properties(stage);
            assertThat(p).containsEntry("StageName", "$default").containsEntry("AutoDeploy", true);
            assertThat(at(p, "DefaultRouteSettings", "ThrottlingRateLimit")).isEqualTo(100);
            assertThat(at(p, "DefaultRouteSettings", "ThrottlingBurstLimit")).isEqualTo(200);
            assertThat(render(at(p, "AccessLogSettings", "DestinationArn"))).matches("<ApiAccessLogs.*\\.Arn>");
            assertThat((String) at(p, "AccessLogSettings", "Format")).contains("$context.routeKey", "$context.status");
        });
    }

    @Test
    void apiGatewayMayInvokeOnlyTheAliasesAndEventBridgeOnlyTheAdminsEdgeSyncAndTheDailyCollection() {
        java.util.Set<String> scheduled = new java.util.TreeSet<>();
        resources(template, "AWS::Lambda::Permission").values().forEach(permission -> {
            Map<String, Object> p = properties(permission);
            if ("events.amazonaws.com".equals(p.get("Principal"))) {
                String target = aliasName(render(p.get("FunctionName")));
                String rule = render(p.get("SourceArn"));
                scheduled.add(target);
                assertThat(rule).matches(target.equals("Admin") ? "<FunctionsEdgeSync.*\\.Arn>" : "<FunctionsDailyCollection.*\\.Arn>");
                return;
            }
            assertThat(p).containsEntry("Principal", "apigateway.amazonaws.com").containsEntry("Action", "lambda:InvokeFunction");
            assertThat(aliasName(render(p.get("FunctionName")))).isIn("Query", "Upload", "Publish", "Admin");
        });
        assertThat(scheduled).containsExactly("Admin", "Collect");
    }

    private String aliasName(String rendered) {
        for (NixfrontFunction fn : fns.all()) {
            if (rendered.equals("<" + Nag.logicalId(fn.alias()) + ">")) {
                return fn.getNode().getId();
            }
        }
        return "not an alias: " + rendered;
    }
}
