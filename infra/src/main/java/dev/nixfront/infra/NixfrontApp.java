package dev.nixfront.infra;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Tags;

/**
 * The CDK app: {@code cdk.json} runs this main class from the built classpath. It reads the
 * deployment's choices once ({@link DeploymentConfig}) and assembles the stacks:
 *
 * <ul>
 *   <li>{@code Nixfront}, in your region: everything;</li>
 *   <li>{@code NixfrontWebAcl}, in us-east-1, only with {@code -c nixfront:webAcl=true};</li>
 *   <li>{@code NixfrontEdgeMonitoring}, in us-east-1, only when {@code Nixfront} is elsewhere: the
 *       CloudFront alarms, which must live where CloudFront's metrics are.</li>
 * </ul>
 *
 * {@code -c nixfront:stackName=Other} renames all three ({@code Other}, {@code OtherWebAcl},
 * {@code OtherEdgeMonitoring}), so a second deployment can share the account.
 *
 * {@code cdk deploy --all} deploys them in dependency order.
 */
public final class NixfrontApp {
    /** The stack names of the default {@code nixfront:stackName}. */
    public static final String MAIN_STACK = DeploymentConfig.DEFAULT_STACK_NAME;
    public static final String WEB_ACL_STACK = MAIN_STACK + "WebAcl";
    public static final String EDGE_MONITORING_STACK = MAIN_STACK + "EdgeMonitoring";

    /**
     * The stacks of one deployment.
     *
     * @param main           the main stack
     * @param webAcl         the web ACL stack, or null
     * @param edgeMonitoring the CloudFront alarm stack, or null when the main stack is in us-east-1
     */
    public record Stacks(NixfrontStack main, WebAclStack webAcl, EdgeMonitoringStack edgeMonitoring) {
    }

    private NixfrontApp() {
    }

    public static void main(String[] args) {
        App app = new App();
        DeploymentConfig config = DeploymentConfig.from(app.getNode()::tryGetContext, System.getenv());
        assemble(app, config);
        app.synth();
    }

    /** Adds the deployment's stacks to {@code app}; the tests call this with their own configuration. */
    public static Stacks assemble(App app, DeploymentConfig config) {
        Tags.of(app).add("project", "nixfront");
        if (config.nag()) {
            Aspects.of(app).add(new AwsSolutionsChecks(NagPackProps.builder().verbose(true).build()));
        }
        WebAclStack webAcl = config.webAcl()
                ? new WebAclStack(app, config.webAclStackName(), new WebAclStack.Props(config, config.webAclRateLimit()))
                : null;
        String webAclArn = webAcl != null ? webAcl.webAclArn() : config.webAclArn();
        NixfrontStack main = new NixfrontStack(app, config.stackName(), new NixfrontStack.Props(config, webAclArn));
        EdgeMonitoringStack edge = config.mainStackInEdgeRegion()
                ? null
                : new EdgeMonitoringStack(app, config.edgeMonitoringStackName(), new EdgeMonitoringStack.Props(config,
                        main.readPath().distribution().getDistributionId()));
        return new Stacks(main, webAcl, edge);
    }
}
