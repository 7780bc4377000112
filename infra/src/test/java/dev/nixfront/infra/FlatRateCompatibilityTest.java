package dev.nixfront.infra;

import static dev.nixfront.infra.Json.at;
import static dev.nixfront.infra.Json.list;
import static dev.nixfront.infra.Json.map;
import static dev.nixfront.infra.Json.properties;
import static dev.nixfront.infra.Json.render;
import static dev.nixfront.infra.Json.resources;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * CloudFront's flat-rate plans accept a distribution only if it uses Origin Access Control (no OAI),
 * cache/origin-request policies (no legacy forwarded values), CloudFront Functions only (no
 * Lambda@Edge), and has a WAF web ACL. These hold for every deployment; the web ACL is attached when
 * the deployment asks for one.
 *
 * <p>CloudFront Functions are in every plan ("serverless edge compute"), and a KeyValueStore read by
 * them from the Pro plan up ("edge key-value store"; not the Free plan). A plan refuses a distribution
 * whose functions, or functions with a store, are also associated with another distribution: ours
 * belong to this distribution alone (CloudFront developer guide, "CloudFront flat-rate pricing plans":
 * features by tier, unsupported associations).
 */
class FlatRateCompatibilityTest {

    private static Map<String, Object> distributionConfig(Map<String, Object> template) {
        return map(at(resources(template, "AWS::CloudFront::Distribution").values().iterator().next(), "Properties", "DistributionConfig"));
    }

    private static List<Map<String, Object>> behaviours(Map<String, Object> config) {
        List<Map<String, Object>> result = new ArrayList<>();
        result.add(map(config.get("DefaultCacheBehavior")));
        list(config.get("CacheBehaviors")).forEach(b -> result.add(map(b)));
        return result;
    }

    @Test
    void noLambdaAtEdgeNoForwardedValuesOnlyPoliciesAndOac() {
        for (Deployments.Synthesized deployment : List.of(Deployments.standard(), Deployments.full())) {
            Map<String, Object> template = Deployments.json(deployment.main());
            Map<String, Object> config = distributionConfig(template);
            for (Map<String, Object> behaviour : behaviours(config)) {
                assertThat(behaviour).doesNotContainKeys("LambdaFunctionAssociations", "ForwardedValues",
                        "MinTTL", "DefaultTTL", "MaxTTL", "TrustedSigners", "RealtimeLogConfigArn");
                assertThat(behaviour).containsKeys("CachePolicyId");
                for (Object association : list(behaviour.getOrDefault("FunctionAssociations", List.of()))) {
                    String target = render(map(association).get("FunctionARN"));
                    String logicalId = target.substring(1, target.indexOf('.'));
                    assertThat(map(map(template.get("Resources")).get(logicalId)).get("Type")).isEqualTo("AWS::CloudFront::Function");
                }
            }
            for (Object origin : list(config.get("Origins"))) {
                assertThat(map(origin)).containsKey("OriginAccessControlId");
                assertThat(at(origin, "S3OriginConfig", "OriginAccessIdentity")).isEqualTo("");
            }
            // Nothing in any stack could be attached at the edge later either.
            resources(template, "AWS::Lambda::Function").values().forEach(fn ->
                    assertThat(at(fn, "Properties", "Role")).isNotNull());
            assertThat(resources(template, "AWS::CloudFront::CloudFrontOriginAccessIdentity")).isEmpty();
        }
    }

    @Test
    void theFunctionsAndTheirKeyValueStoreServeThisDistributionAlone() {
        // With the check on (off by default until the admin function fills the store in AWS).
        Deployments.Synthesized checked = Deployments.synthesize(Deployments.config("eu-west-1").viewerRequestFunction(true).build());
        for (Deployments.Synthesized deployment : List.of(checked)) {
            Map<String, Object> template = Deployments.json(deployment.main());
            assertThat(resources(template, "AWS::CloudFront::Distribution")).hasSize(1);
            Map<String, Map<String, Object>> functions = resources(template, "AWS::CloudFront::Function");
            List<String> associated = new ArrayList<>();
            for (Map<String, Object> behaviour : behaviours(distributionConfig(template))) {
                for (Object association : list(behaviour.getOrDefault("FunctionAssociations", List.of()))) {
                    String target = render(map(association).get("FunctionARN"));
                    associated.add(target.substring(1, target.indexOf('.')));
                }
            }
            assertThat(associated).isNotEmpty();
            assertThat(functions.keySet()).containsExactlyInAnyOrderElementsOf(new LinkedHashSet<>(associated));
            String store = Nag.logicalId(deployment.stacks().main().readPath().edgeStore());
            assertThat(resources(template, "AWS::CloudFront::KeyValueStore")).containsOnlyKeys(store);
            functions.values().forEach(fn -> assertThat(list(at(fn, "Properties", "FunctionConfig", "KeyValueStoreAssociations")).stream()
                    .map(association -> render(map(association).get("KeyValueStoreARN")))).containsExactly("<" + store + ".Arn>"));
        }
    }

    @Test
    void aWebAclFromUsEast1IsAttachedWhenTheFlagIsOn() {
        Deployments.Synthesized full = Deployments.full();
        assertThat(full.stacks().webAcl().getRegion()).isEqualTo("us-east-1");
        Map<String, Object> acl = properties(resources(Deployments.json(full.webAcl()), "AWS::WAFv2::WebACL").values().iterator().next());
        assertThat(acl).containsEntry("Scope", "CLOUDFRONT").containsEntry("DefaultAction", Map.of("Allow", Map.of()));
        assertThat(list(acl.get("Rules"))).satisfiesExactly(
                rate -> {
                    assertThat(at(rate, "Statement", "RateBasedStatement", "AggregateKeyType")).isEqualTo("IP");
                    assertThat(at(rate, "Statement", "RateBasedStatement", "Limit")).isEqualTo(20_000);
                    assertThat(at(rate, "Action", "Block")).isNotNull();
                    assertThat(at(rate, "Action", "Block", "CustomResponse", "ResponseCode"))
                            .as("429, which Nix retries; a 403 it would take for a miss").isEqualTo(429);
                },
                common -> {
                    assertThat(at(common, "Statement", "ManagedRuleGroupStatement", "VendorName")).isEqualTo("AWS");
                    assertThat(at(common, "Statement", "ManagedRuleGroupStatement", "Name")).isEqualTo("AWSManagedRulesCommonRuleSet");
                });

        Object webAclId = distributionConfig(Deployments.json(full.main())).get("WebACLId");
        assertThat(webAclId).as("the distribution's WebACLId reads the web ACL stack's output").isNotNull();
        assertThat(webAclId.toString()).contains(NixfrontApp.WEB_ACL_STACK);

        assertThat(distributionConfig(Deployments.json(Deployments.standard().main()))).doesNotContainKey("WebACLId");
    }

    @Test
    void anExistingWebAclCanBeAttachedInstead() {
        String arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/flat-rate/11111111-2222-3333-4444-555555555555";
        Deployments.Synthesized attached = Deployments.synthesize(Deployments.config("eu-west-1").webAclArn(arn).build());
        assertThat(attached.stacks().webAcl()).isNull();
        assertThat(distributionConfig(Deployments.json(attached.main()))).containsEntry("WebACLId", arn);
        assertThat(Deployments.nagFindings(attached)).isEmpty();
    }
}
