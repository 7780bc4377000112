package dev.nixfront.infra;

import static dev.nixfront.infra.Json.at;
import static dev.nixfront.infra.Json.list;
import static dev.nixfront.infra.Json.map;
import static dev.nixfront.infra.Json.properties;
import static dev.nixfront.infra.Json.render;
import static dev.nixfront.infra.Json.resources;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code nixfront:stackName} lets a second deployment share the account: its stacks and every name
 * that must be unique in the account follow it, while the default keeps the names an existing
 * deployment has (a rename would replace its stacks).
 */
class StackNameTest {
    private static final Deployments.Synthesized other = Deployments.synthesize(
            Deployments.config("eu-west-1").nag(false).stackName("Team2").webAcl(true).build());

    /** Every string under a key ending in "Name" (CloudFront resources, WAF metric names, ...). */
    private static List<String> names(Object node) {
        List<String> names = new ArrayList<>();
        if (node instanceof Map<?, ?> m) {
            map(m).forEach((key, value) -> {
                if (key.endsWith("Name") && value instanceof String s) {
                    names.add(key + "=" + s);
                }
                names.addAll(names(value));
            });
        } else if (node instanceof List<?> l) {
            l.forEach(item -> names.addAll(names(item)));
        }
        return names;
    }

    @Test
    void theDefaultKeepsTheStackNamesExistingDeploymentsHave() {
        Deployments.Synthesized standard = Deployments.standard();
        assertThat(standard.stacks().main().getStackName()).isEqualTo("Nixfront");
        assertThat(standard.stacks().edgeMonitoring().getStackName()).isEqualTo("NixfrontEdgeMonitoring");
        Deployments.Synthesized full = Deployments.full();
        assertThat(full.stacks().webAcl().getStackName()).isEqualTo("NixfrontWebAcl");
        assertThat(names(Deployments.json(full.webAcl())))
                .contains("MetricName=nixfront-web-acl", "MetricName=nixfront-rate-limit", "MetricName=nixfront-common-rules");
        assertThat(resources(Deployments.json(standard.main()), "AWS::Logs::MetricFilter").values()).allSatisfy(f ->
                assertThat(at(list(properties(f).get("MetricTransformations")).get(0), "MetricNamespace")).isEqualTo("nixfront"));
    }

    @Test
    void anotherNameRenamesTheStacksAndEveryAccountWideName() {
        assertThat(other.stacks().main().getStackName()).isEqualTo("Team2");
        assertThat(other.stacks().webAcl().getStackName()).isEqualTo("Team2WebAcl");
        assertThat(other.stacks().edgeMonitoring().getStackName()).isEqualTo("Team2EdgeMonitoring");

        Map<String, Object> main = Deployments.json(other.main());
        Object webAclId = at(resources(main, "AWS::CloudFront::Distribution").values().iterator().next(),
                "Properties", "DistributionConfig", "WebACLId");
        assertThat(render(webAclId) + webAclId).contains("Team2WebAcl");
        for (String type : List.of("AWS::CloudFront::Function", "AWS::CloudFront::CachePolicy",
                "AWS::CloudFront::ResponseHeadersPolicy", "AWS::CloudFront::OriginAccessControl")) {
            assertThat(resources(main, type).values()).as(type).allSatisfy(r ->
                    assertThat(names(properties(r))).filteredOn(n -> !n.startsWith("AttributeName")).isNotEmpty()
                            .allSatisfy(n -> assertThat(n).contains("Team2")));
        }
        assertThat(names(Deployments.json(other.webAcl())).stream().filter(n -> n.startsWith("MetricName=")))
                .isNotEmpty().allSatisfy(n -> assertThat(n).startsWith("MetricName=nixfront-team2-"));
        assertThat(resources(main, "AWS::Logs::MetricFilter").values()).allSatisfy(f ->
                assertThat(at(list(properties(f).get("MetricTransformations")).get(0), "MetricNamespace")).isEqualTo("nixfront-team2"));
        assertThat(resources(main, "AWS::CloudWatch::Alarm").values()).anySatisfy(a ->
                assertThat(properties(a)).containsEntry("Namespace", "nixfront-team2").containsEntry("MetricName", "InternalErrors"));
    }

    @Test
    void aNameCloudFormationWouldRefuseIsRefusedAtSynth() {
        assertThatThrownBy(() -> Deployments.config("eu-west-1").stackName("my_stack").build())
                .hasMessageContaining("nixfront:stackName");
        assertThatThrownBy(() -> Deployments.config("eu-west-1").stackName("9lives").build())
                .hasMessageContaining("nixfront:stackName");
    }
}
