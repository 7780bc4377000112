package dev.nixfront.infra;

import static dev.nixfront.infra.Json.at;
import static dev.nixfront.infra.Json.list;
import static dev.nixfront.infra.Json.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** cdk-nag's AwsSolutions pack, run during synthesis of every deployment the tests build. */
class NagTest {

    @Test
    void theStandardDeploymentHasNoUnsuppressedFinding() {
        assertThat(Deployments.nagFindings(Deployments.standard())).isEmpty();
    }

    @Test
    void theFullDeploymentHasNoUnsuppressedFinding() {
        assertThat(Deployments.nagFindings(Deployments.full())).isEmpty();
    }

    @Test
    void everySuppressionSitsOnItsResourceWithAReasonAReviewerCanCheck() {
        int suppressions = 0;
        for (Deployments.Synthesized deployment : List.of(Deployments.standard(), Deployments.full())) {
            for (Object resource : map(Deployments.json(deployment.main()).get("Resources")).values()) {
                Object rules = at(resource, "Metadata", "cdk_nag", "rules_to_suppress");
                if (rules == null) {
                    continue;
                }
                for (Object rule : list(rules)) {
                    Map<String, Object> suppression = map(rule);
                    assertThat((String) suppression.get("id")).startsWith("AwsSolutions-");
                    assertThat((String) suppression.get("reason")).as("reason of %s", suppression.get("id")).hasSizeGreaterThan(60);
                    suppressions++;
                }
            }
        }
        assertThat(suppressions).isPositive();
    }

    @Test
    void aWildcardAddedLaterIsStillReported() {
        // IAM5 suppressions name the exact findings they excuse; none is a blanket suppression.
        for (Object resource : map(Deployments.json(Deployments.standard().main()).get("Resources")).values()) {
            Object rules = at(resource, "Metadata", "cdk_nag", "rules_to_suppress");
            for (Object rule : rules == null ? List.of() : list(rules)) {
                if ("AwsSolutions-IAM5".equals(map(rule).get("id"))) {
                    assertThat(list(map(rule).get("applies_to"))).isNotEmpty();
                }
            }
        }
    }
}
