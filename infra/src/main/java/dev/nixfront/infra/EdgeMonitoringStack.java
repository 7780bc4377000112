package dev.nixfront.infra;

import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.sns.Topic;
import software.constructs.Construct;

/**
 * The CloudFront alarm when the main stack is not in us-east-1: CloudFront's metrics exist only there,
 * and an alarm watches only its own region's metrics. It has its own alarm topic (same e-mail
 * subscription), since an SNS topic in another region cannot be an alarm action.
 */
public final class EdgeMonitoringStack extends Stack {
    /**
     * @param config         account and alarm e-mail
     * @param distributionId the distribution of the main stack (read from that stack's outputs)
     */
    public record Props(DeploymentConfig config, String distributionId) {
    }

    private final Topic topic;
    private final DistributionAlarms alarms;

    public EdgeMonitoringStack(Construct scope, String id, Props props) {
        super(scope, id, StackProps.builder()
                .env(NixfrontStack.envFor(props.config(), DeploymentConfig.EDGE_REGION))
                .description("nixfront: CloudFront alarms (CloudFront metrics live in us-east-1)")
                .build());
        topic = Operations.alarmTopic(this, props.config().alarmEmail());
        alarms = new DistributionAlarms(this, "DistributionAlarms",
                new DistributionAlarms.Props(props.distributionId(), topic, 5));
    }

    public Topic topic() {
        return topic;
    }

    public DistributionAlarms alarms() {
        return alarms;
    }
}
