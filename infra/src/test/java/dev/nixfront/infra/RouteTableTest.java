package dev.nixfront.infra;

import static dev.nixfront.infra.Json.at;
import static dev.nixfront.infra.Json.map;
import static dev.nixfront.infra.Json.properties;
import static dev.nixfront.infra.Json.resources;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.ApiRoute;
import dev.nixfront.functions.FunctionConfig;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The deployed API is the declared one ({@link ApiRoute}), under the resource ids it has always
 * had, and the functions get exactly the environment variables {@link FunctionConfig} reads.
 */
class RouteTableTest {
    private final Deployments.Synthesized standard = Deployments.standard();
    private final Map<String, Object> template = Deployments.json(standard.main());

    @Test
    void theFunctionsOfTheDeclarationAreTheStacksFunctions() {
        List<String> ids = standard.stacks().main().functions().all().stream().map(fn -> fn.getNode().getId()).toList();
        Arrays.stream(ApiRoute.Function.values()).forEach(function -> assertThat(ids).contains(function.id()));
    }

    /**
     * A route's construct id, and so its logical id, is a contract: a new one replaces the route
     * (and its integration or permission) on the next deploy. These are the ids deployed before the
     * routes were built from {@link ApiRoute}; a route added later only adds ids. Note that an
     * integration is named after the first route of its function in declaration order.
     */
    @Test
    void deployedRoutesKeepTheirLogicalIds() {
        Map<String, String> routeIds = new TreeMap<>();
        resources(template, "AWS::ApiGatewayV2::Route")
                .forEach((id, route) -> routeIds.put((String) properties(route).get("RouteKey"), id));
        assertThat(routeIds).containsAllEntriesOf(Map.ofEntries(
                Map.entry("DELETE /v1/caches/{cache}", "ApiHttpApiDELETEv1cachescache694B42D5"),
                Map.entry("DELETE /v1/tokens/{id}", "ApiHttpApiDELETEv1tokensidF2345A6B"),
                Map.entry("GET /v1/caches", "ApiHttpApiGETv1caches9FB1220C"),
                Map.entry("GET /v1/caches/{cache}", "ApiHttpApiGETv1cachescacheAAD12850"),
                Map.entry("GET /v1/caches/{cache}/paths/{hash}", "ApiHttpApiGETv1cachescachepathshashD60F0A00"),
                Map.entry("GET /v1/tokens", "ApiHttpApiGETv1tokens27A8D730"),
                Map.entry("POST /v1/caches", "ApiHttpApiPOSTv1caches98910F31"),
                Map.entry("POST /v1/caches/{cache}/missing", "ApiHttpApiPOSTv1cachescachemissing1C3DAEFE"),
                Map.entry("POST /v1/caches/{cache}/narinfos", "ApiHttpApiPOSTv1cachescachenarinfosFADAE45F"),
                Map.entry("POST /v1/caches/{cache}/uploads", "ApiHttpApiPOSTv1cachescacheuploads8E65CDFD"),
                Map.entry("POST /v1/caches/{cache}/uploads/complete", "ApiHttpApiPOSTv1cachescacheuploadscompleteEC55E105"),
                Map.entry("POST /v1/caches/{cache}/uploads/parts", "ApiHttpApiPOSTv1cachescacheuploadsparts53327094"),
                Map.entry("POST /v1/tokens", "ApiHttpApiPOSTv1tokensD2E80DC6")));
        assertThat(resources(template, "AWS::ApiGatewayV2::Integration").keySet()).containsExactlyInAnyOrder(
                "ApiHttpApiGETv1cachesQuery9EA6C4CA",
                "ApiHttpApiPOSTv1cachescacheuploadsUpload7D9C10AA",
                "ApiHttpApiPOSTv1cachescachenarinfosPublish8FE3DC9D",
                "ApiHttpApiPOSTv1cachesAdmin047DECF3");
        assertThat(resources(template, "AWS::Lambda::Permission").keySet()).contains(
                "ApiHttpApiGETv1cachesQueryPermission18DB6161",
                "ApiHttpApiGETv1cachescacheQueryPermission4D241AD9",
                "ApiHttpApiPOSTv1cachescachemissingQueryPermission8D2F3E19",
                "ApiHttpApiGETv1cachescachepathshashQueryPermissionF5750CE9",
                "ApiHttpApiPOSTv1cachescacheuploadsUploadPermission25DADF96",
                "ApiHttpApiPOSTv1cachescacheuploadspartsUploadPermission7376DFE1",
                "ApiHttpApiPOSTv1cachescacheuploadscompleteUploadPermission4A2533BA",
                "ApiHttpApiPOSTv1cachescachenarinfosPublishPermission051E96A8",
                "ApiHttpApiPOSTv1cachesAdminPermission9C8D0FB5",
                "ApiHttpApiDELETEv1cachescacheAdminPermission02CD47EC",
                "ApiHttpApiPOSTv1tokensAdminPermission7304F951",
                "ApiHttpApiGETv1tokensAdminPermissionAF4FEB81",
                "ApiHttpApiDELETEv1tokensidAdminPermission23DEA5D6");
    }

    /**
     * Infra keeps its own copies of the variable names: the synth classpath has no function code
     * (it would drag the AWS SDK in), and the functions must not depend on CDK. This ties the copies.
     */
    @Test
    void infraSetsTheVariablesFunctionConfigReads() {
        assertThat(Functions.ENV_TABLE).isEqualTo(FunctionConfig.TABLE);
        assertThat(Functions.ENV_BUCKET).isEqualTo(FunctionConfig.BUCKET);
        assertThat(Functions.ENV_KMS_KEY_ARN).isEqualTo(FunctionConfig.KMS_KEY_ARN);
        assertThat(Functions.ENV_VERIFY_FUNCTION).isEqualTo(FunctionConfig.VERIFY_FUNCTION);
        assertThat(Functions.ENV_ADMIN_TOKEN_SECRET_ARN).isEqualTo(FunctionConfig.ADMIN_TOKEN_SECRET_ARN);
        assertThat(Functions.ENV_CACHE_URL).isEqualTo(FunctionConfig.CACHE_URL);
        assertThat(Functions.ENV_EDGE_STORE_ARN).isEqualTo(FunctionConfig.EDGE_STORE_ARN);
        assertThat(Functions.ENV_DISTRIBUTION_ID).isEqualTo(FunctionConfig.DISTRIBUTION_ID);
        assertThat(Functions.EDGE_SYNC_ROUTE_KEY).isEqualTo(dev.nixfront.functions.AdminHandler.EDGE_SYNC);
        assertThat(Functions.ENV_INLINE_VERIFY_MAX_BYTES).isEqualTo(FunctionConfig.INLINE_VERIFY_MAX_BYTES);

        Set<String> read = Set.of(FunctionConfig.TABLE, FunctionConfig.BUCKET, FunctionConfig.KMS_KEY_ARN,
                FunctionConfig.VERIFY_FUNCTION, FunctionConfig.ADMIN_TOKEN_SECRET_ARN, FunctionConfig.CACHE_URL,
                FunctionConfig.INLINE_VERIFY_MAX_BYTES, FunctionConfig.EDGE_STORE_ARN, FunctionConfig.COLLECT_FUNCTION,
                FunctionConfig.COLLECTION_FENCE_SECONDS, FunctionConfig.DISTRIBUTION_ID);
        Set<String> set = new HashSet<>();
        resources(template, "AWS::Lambda::Function").values().forEach(fn -> {
            Object variables = at(properties(fn), "Environment", "Variables");
            // Ours only: CDK's own helper functions (custom resources) have variables of their own.
            if (variables != null && String.valueOf(properties(fn).get("Handler")).startsWith("dev.nixfront.")) {
                // JAVA_TOOL_OPTIONS and the like are the runtime's, not FunctionConfig's.
                map(variables).keySet().stream().filter(name -> name.startsWith("NIXFRONT_")).forEach(set::add);
            }
        });
        // The admin token version is read by no code: changing it publishes a new SnapStart version.
        assertThat(set).containsExactlyInAnyOrderElementsOf(union(read, Functions.ENV_ADMIN_TOKEN_VERSION));
    }

    private static Set<String> union(Set<String> names, String more) {
        Set<String> all = new HashSet<>(names);
        all.add(more);
        return all;
    }
}
