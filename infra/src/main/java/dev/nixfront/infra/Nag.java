package dev.nixfront.infra;

import java.util.List;
import java.util.Objects;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.Stack;
import software.constructs.IConstruct;

/**
 * Records a cdk-nag suppression on the resource it excuses, so the reason sits in the code next to
 * the resource and travels with it. Suppressions apply to the construct and its children (an L2 and
 * its CloudFormation resources).
 */
final class Nag {
    private Nag() {
    }

    /** The CloudFormation logical id of an L2 construct's resource, as cdk-nag prints it in findings. */
    static String logicalId(IConstruct construct) {
        CfnElement element = (CfnElement) Objects.requireNonNull(construct.getNode().getDefaultChild(), "an L2 construct has a default child");
        return Stack.of(construct).resolve(element.getLogicalId()).toString();
    }

    static void suppress(IConstruct resource, String rule, String reason) {
        NagSuppressions.addResourceSuppressions(resource,
                List.of(NagPackSuppression.builder().id(rule).reason(reason).build()), true);
    }

    /**
     * Suppresses only the listed findings of a rule, e.g. {@code Resource::<CacheBucket.Arn>/*\/nar/*}
     * for IAM5, so a new wildcard added later is still reported.
     */
    static void suppress(IConstruct resource, String rule, String reason, List<String> findings) {
        NagSuppressions.addResourceSuppressions(resource,
                List.of(NagPackSuppression.builder().id(rule).reason(reason).appliesTo(List.<Object>copyOf(findings)).build()), true);
    }
}
