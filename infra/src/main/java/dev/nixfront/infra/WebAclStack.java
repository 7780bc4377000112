package dev.nixfront.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.wafv2.CfnWebACL;
import software.constructs.Construct;

/**
 * The optional WAF web ACL of the read path ({@code -c nixfront:webAcl=true}). CloudFront accepts only
 * web ACLs of scope CLOUDFRONT, which exist only in us-east-1, hence a stack of its own there; the
 * main stack reads the ARN from this stack's output. Two rules: a rate limit per client IP (answered
 * with 429, which Nix retries, rather than a 403, which it takes for a miss) and AWS's common rule set. A flat-rate plan requires a web ACL on the distribution and includes its cost.
 */
public final class WebAclStack extends Stack {
    /**
     * @param config    account and the rate limit
     * @param rateLimit requests one IP may make in 5 minutes before it is blocked
     */
    public record Props(DeploymentConfig config, int rateLimit) {
    }

    /** What a client over the rate limit gets: Too Many Requests, which Nix retries. */
    public static final int RATE_LIMITED_STATUS = 429;

    private final CfnWebACL webAcl;

    public WebAclStack(Construct scope, String id, Props props) {
        super(scope, id, StackProps.builder()
                .env(NixfrontStack.envFor(props.config(), DeploymentConfig.EDGE_REGION))
                .description("nixfront: WAF web ACL of the CloudFront read path (us-east-1)")
                .build());
        webAcl = CfnWebACL.Builder.create(this, "WebAcl")
                .scope("CLOUDFRONT")
                .description("nixfront read path: per-IP rate limit and AWS common rules")
                .defaultAction(CfnWebACL.DefaultActionProperty.builder()
                        .allow(CfnWebACL.AllowActionProperty.builder().build())
                        .build())
                .visibilityConfig(visibility(props.config().namePrefix() + "-web-acl"))
                .rules(List.of(
                        CfnWebACL.RuleProperty.builder()
                                .name("RateLimitPerIp")
                                .priority(0)
                                .statement(CfnWebACL.StatementProperty.builder()
                                        .rateBasedStatement(CfnWebACL.RateBasedStatementProperty.builder()
                                                .limit(props.rateLimit())
                                                .evaluationWindowSec(300)
                                                .aggregateKeyType("IP")
                                                .build())
                                        .build())
                                // 429, not WAF's default 403: Nix takes a 403 for "not in this cache" and
                                // quietly builds from source, while it retries a 429.
                                .action(CfnWebACL.RuleActionProperty.builder()
                                        .block(CfnWebACL.BlockActionProperty.builder()
                                                .customResponse(CfnWebACL.CustomResponseProperty.builder()
                                                        .responseCode(RATE_LIMITED_STATUS)
                                                        .build())
                                                .build())
                                        .build())
                                .visibilityConfig(visibility(props.config().namePrefix() + "-rate-limit"))
                                .build(),
                        CfnWebACL.RuleProperty.builder()
                                .name("AwsCommonRules")
                                .priority(1)
                                .statement(CfnWebACL.StatementProperty.builder()
                                        .managedRuleGroupStatement(CfnWebACL.ManagedRuleGroupStatementProperty.builder()
                                                .vendorName("AWS")
                                                .name("AWSManagedRulesCommonRuleSet")
                                                .build())
                                        .build())
                                .overrideAction(CfnWebACL.OverrideActionProperty.builder()
                                        .none(Map.of())
                                        .build())
                                .visibilityConfig(visibility(props.config().namePrefix() + "-common-rules"))
                                .build()))
                .build();
    }

    /** The ARN CloudFront's {@code WebACLId} takes. */
    public String webAclArn() {
        return webAcl.getAttrArn();
    }

    public CfnWebACL webAcl() {
        return webAcl;
    }

    private static CfnWebACL.VisibilityConfigProperty visibility(String metricName) {
        return CfnWebACL.VisibilityConfigProperty.builder()
                .cloudWatchMetricsEnabled(true)
                .sampledRequestsEnabled(true)
                .metricName(metricName)
                .build();
    }
}
