package dev.nixfront.infra;

import static dev.nixfront.infra.Json.at;
import static dev.nixfront.infra.Json.list;
import static dev.nixfront.infra.Json.map;
import static dev.nixfront.infra.Json.properties;
import static dev.nixfront.infra.Json.render;
import static dev.nixfront.infra.Json.resources;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class FunctionsTest {
    private final Deployments.Synthesized standard = Deployments.standard();
    private final Map<String, Object> template = Deployments.json(standard.main());
    private final Functions functions = standard.stacks().main().functions();

    private Map<String, Object> props(NixfrontFunction fn) {
        return properties(resources(template, "AWS::Lambda::Function").get(Nag.logicalId(fn.function())));
    }

    @Test
    void everyFunctionIsJava21OnArm64WithSnapStartJsonLogsAndTheLayer() {
        String layer = "<" + Nag.logicalId(functions.layer()) + ">";
        String edgeLayer = "<" + Nag.logicalId(functions.edgeLayer()) + ">";
        assertThat(resources(template, "AWS::Lambda::Function")).hasSize(6);
        for (NixfrontFunction fn : functions.all()) {
            Map<String, Object> p = props(fn);
            assertThat(p).as(fn.getNode().getId())
                    .containsEntry("Runtime", "java21")
                    .containsEntry("Architectures", java.util.List.of("arm64"))
                    .containsEntry("SnapStart", Map.of("ApplyOn", "PublishedVersions"));
            assertThat(at(p, "LoggingConfig", "LogFormat")).isEqualTo("JSON");
            assertThat(render(at(p, "LoggingConfig", "LogGroup"))).isEqualTo("<" + Nag.logicalId(fn.getNode().findChild("Logs")) + ">");
            // The KeyValueStore client and its native CRT signer (the edge layer): the admin function alone.
            if (fn == functions.admin()) {
                assertThat(list(p.get("Layers")).stream().map(Json::render)).containsExactlyInAnyOrder(layer, edgeLayer);
            } else {
                assertThat(list(p.get("Layers")).stream().map(Json::render)).as(fn.getNode().getId()).containsExactly(layer);
            }
            assertThat((String) p.get("Handler")).matches("dev\\.nixfront\\.functions\\.[A-Za-z]+Handler::handleRequest");
        }
        assertThat(resources(template, "AWS::Lambda::LayerVersion")).hasSize(2).allSatisfy((id, version) ->
                assertThat(properties(version))
                        .containsEntry("CompatibleRuntimes", java.util.List.of("java21"))
                        .containsEntry("CompatibleArchitectures", java.util.List.of("arm64")));
    }

    @Test
    void handlersMemoryAndTimeoutsArePerFunctionAndApiFunctionsEndBeforeTheApiGivesUp() {
        Map<String, Object> expected = Map.of(
                "Query", "QueryHandler 1024 15",
                "Upload", "UploadHandler 1024 15",
                "Publish", "PublishHandler 2048 29",
                "Verify", "VerifyHandler 3008 900",
                "Admin", "AdminHandler 1024 29",
                "Collect", "CollectHandler 3008 900");
        Map<String, Object> actual = new TreeMap<>();
        for (NixfrontFunction fn : functions.all()) {
            Map<String, Object> p = props(fn);
            String handler = ((String) p.get("Handler")).replace("dev.nixfront.functions.", "").replace("::handleRequest", "");
            actual.put(fn.getNode().getId(), handler + " " + p.get("MemorySize") + " " + p.get("Timeout"));
        }
        assertThat(actual).isEqualTo(new TreeMap<>(expected));
    }

    @Test
    void eachFunctionGetsExactlyTheConfigurationItReads() {
        Set<String> common = Set.of("NIXFRONT_TABLE", "NIXFRONT_BUCKET");
        Set<String> api = union(common, Set.of("NIXFRONT_CACHE_URL"));
        assertThat(env(functions.query()).keySet()).isEqualTo(union(api, Set.of("JAVA_TOOL_OPTIONS")));
        assertThat(env(functions.upload()).keySet()).isEqualTo(union(api, Set.of("JAVA_TOOL_OPTIONS")));
        // The admin token secret (and the version bump that republishes on rotation) is the admin's alone.
        assertThat(env(functions.admin()).keySet()).isEqualTo(union(api, Set.of("JAVA_TOOL_OPTIONS", "NIXFRONT_KMS_KEY_ARN",
                "NIXFRONT_ADMIN_TOKEN_SECRET_ARN", "NIXFRONT_ADMIN_TOKEN_VERSION", "NIXFRONT_EDGE_STORE_ARN", "NIXFRONT_DISTRIBUTION_ID",
                "NIXFRONT_COLLECT_FUNCTION")));
        assertThat(render(env(functions.admin()).get("NIXFRONT_DISTRIBUTION_ID")))
                .as("the read path's distribution, where a deleted cache is invalidated")
                .isEqualTo("<" + Nag.logicalId(standard.stacks().main().readPath().distribution()) + ">");
        assertThat(env(functions.publish()).keySet()).isEqualTo(union(api, Set.of("NIXFRONT_KMS_KEY_ARN",
                "NIXFRONT_VERIFY_FUNCTION", "NIXFRONT_INLINE_VERIFY_MAX_BYTES", "NIXFRONT_COLLECTION_FENCE_SECONDS")));
        assertThat(env(functions.verify()).keySet()).isEqualTo(union(common, Set.of("NIXFRONT_KMS_KEY_ARN", "NIXFRONT_COLLECTION_FENCE_SECONDS")));
        // The collect function reads no key and no URL: it only removes what a collection dooms.
        assertThat(env(functions.collect()).keySet()).isEqualTo(union(common, Set.of("NIXFRONT_COLLECTION_FENCE_SECONDS")));
        assertThat(env(functions.collect()).get("NIXFRONT_COLLECTION_FENCE_SECONDS")).as("publish, verify and collect share the fence")
                .isEqualTo("120").isEqualTo(env(functions.publish()).get("NIXFRONT_COLLECTION_FENCE_SECONDS"))
                .isEqualTo(env(functions.verify()).get("NIXFRONT_COLLECTION_FENCE_SECONDS"));
        assertThat(render(env(functions.admin()).get("NIXFRONT_COLLECT_FUNCTION"))).isEqualTo("<" + Nag.logicalId(functions.collect().alias()) + ">");

        Map<String, Object> publish = env(functions.publish());
        assertThat(publish.get("NIXFRONT_INLINE_VERIFY_MAX_BYTES")).isEqualTo(Long.toString(256L << 20));
        assertThat(render(publish.get("NIXFRONT_VERIFY_FUNCTION"))).isEqualTo("<" + Nag.logicalId(functions.verify().alias()) + ">");
        assertThat(render(publish.get("NIXFRONT_CACHE_URL")))
                .isEqualTo("https://<" + Nag.logicalId(standard.stacks().main().readPath().distribution()) + ".DomainName>");
        assertThat(render(publish.get("NIXFRONT_BUCKET"))).isEqualTo("<" + Nag.logicalId(standard.stacks().main().storage().bucket()) + ">");
        assertThat(env(functions.query()).get("JAVA_TOOL_OPTIONS")).isEqualTo("-XX:+TieredCompilation -XX:TieredStopAtLevel=1");
    }

    @Test
    void theCustomDomainIsTheCacheUrlTheFunctionsHandOut() {
        Map<String, Object> full = Deployments.json(Deployments.full().main());
        String query = Nag.logicalId(Deployments.full().stacks().main().functions().query().function());
        assertThat(at(resources(full, "AWS::Lambda::Function").get(query), "Properties", "Environment", "Variables", "NIXFRONT_CACHE_URL"))
                .isEqualTo("https://" + Deployments.DOMAIN);
    }

    @Test
    void callersGoThroughTheLiveAliasOfAPublishedVersion() {
        Map<String, Map<String, Object>> aliases = resources(template, "AWS::Lambda::Alias");
        assertThat(aliases).hasSize(6);
        for (NixfrontFunction fn : functions.all()) {
            Map<String, Object> alias = properties(aliases.get(Nag.logicalId(fn.alias())));
            assertThat(alias).containsEntry("Name", "live");
            assertThat(render(alias.get("FunctionName"))).isEqualTo("<" + Nag.logicalId(fn.function()) + ">");
            String version = render(alias.get("FunctionVersion"));
            assertThat(version).matches("<.*CurrentVersion.*\\.Version>");
        }
        assertThat(resources(template, "AWS::Lambda::Version")).hasSize(6);
    }

    @Test
    void failedVerificationsLandInAnEncryptedQueue() {
        Map<String, Map<String, Object>> configs = resources(template, "AWS::Lambda::EventInvokeConfig");
        assertThat(configs.values()).singleElement().satisfies(config -> {
            Map<String, Object> p = properties(config);
            assertThat(render(p.get("FunctionName"))).isEqualTo("<" + Nag.logicalId(functions.verify().function()) + ">");
            assertThat(p).containsEntry("MaximumRetryAttempts", 2).containsEntry("MaximumEventAgeInSeconds", 3600);
            // A job queued before a cache was deleted can start until its event is this old and then
            // run for the function's timeout: the deleted name must stay reserved at least that long.
            long lastEnd = ((Number) p.get("MaximumEventAgeInSeconds")).longValue()
                    + ((Number) props(functions.verify()).get("Timeout")).longValue();
            assertThat(dev.nixfront.cache.CacheSettings.NAME_RESERVATION.toSeconds()).isGreaterThan(lastEnd);
            assertThat(dev.nixfront.cache.CacheSettings.VERIFY_MAX_EVENT_AGE.toSeconds())
                    .isEqualTo(((Number) p.get("MaximumEventAgeInSeconds")).longValue());
            assertThat(dev.nixfront.cache.CacheSettings.VERIFY_FUNCTION_TIMEOUT.toSeconds())
                    .isEqualTo(((Number) props(functions.verify()).get("Timeout")).longValue());
            // The qualifier is the alias name, cut from the alias ARN: async invocations of 'live' only.
            assertThat(p.get("Qualifier").toString()).contains(Nag.logicalId(functions.verify().alias()));
            assertThat(render(at(p, "DestinationConfig", "OnFailure", "Destination")))
                    .isEqualTo("<" + Nag.logicalId(functions.verifyFailures()) + ".Arn>");
        });
        assertThat(properties(resources(template, "AWS::SQS::Queue").get(Nag.logicalId(functions.verifyFailures()))))
                .containsEntry("SqsManagedSseEnabled", true);
    }

    @Test
    void rolesCarryNoManagedPolicies() {
        resources(template, "AWS::IAM::Role").values().forEach(role ->
                assertThat(map(role.get("Properties"))).doesNotContainKey("ManagedPolicyArns"));
    }

    private Map<String, Object> env(NixfrontFunction fn) {
        return map(at(props(fn), "Environment", "Variables"));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        java.util.Set<String> result = new java.util.TreeSet<>(a);
        result.addAll(b);
        return result;
    }
}
