package dev.nixfront.infra;

import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.AnomalyDetectionAlarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.sns.ITopic;
import software.constructs.Construct;

/**
 * The CloudFront alarms: 5xx, and a jump in 4xx. Nix takes a 403 (and up to Nix 2.34 a 401) for "not
 * in this cache" and quietly builds from source, so a read path failing with 4xx looks like a cache
 * that lost its contents; 404s are normal (Nix asks for narinfos a cache does not have), so the 4xx
 * alarm is an anomaly detection band around the usual rate rather than a fixed threshold. CloudFront publishes its metrics only in us-east-1 and an alarm can only
 * watch metrics of its own region, so this construct lives in the main stack when that is in
 * us-east-1, and otherwise in the small {@link EdgeMonitoringStack} there.
 */
public final class DistributionAlarms extends Construct {
    /**
     * @param distributionId  the distribution to watch
     * @param topic           where the alarm notifies
     * @param errorRatePercent 5xx responses, in percent of requests, that count as an outage
     */
    public record Props(String distributionId, ITopic topic, int errorRatePercent) {
    }

    private final Alarm serverErrors;
    private final AnomalyDetectionAlarm clientErrorJump;

    public DistributionAlarms(Construct scope, String id, Props props) {
        super(scope, id);
        serverErrors = Alarm.Builder.create(this, "ServerErrorRate")
                .metric(metric(props.distributionId(), "5xxErrorRate", "Average"))
                .threshold(props.errorRatePercent())
                .evaluationPeriods(3)
                .datapointsToAlarm(2)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .alarmDescription("nixfront CloudFront: " + props.errorRatePercent()
                        + "% or more of reads failed with 5xx in 2 of the last 3 five-minute periods")
                .build();
        serverErrors.addAlarmAction(new SnsAction(props.topic()));

        clientErrorJump = AnomalyDetectionAlarm.Builder.create(this, "ClientErrorRateJump")
                .metric(metric(props.distributionId(), "4xxErrorRate", "Average"))
                .stdDevs(4)
                .evaluationPeriods(3)
                .datapointsToAlarm(2)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .alarmDescription("nixfront CloudFront: the 4xx rate jumped above its usual band in 2 of the last 3 "
                        + "five-minute periods. Nix takes a 403 for a miss and builds from source: check the bucket "
                        + "policy, the web ACL (BlockedRequests) and the viewer-request function.")
                .build();
        clientErrorJump.addAlarmAction(new SnsAction(props.topic()));
    }

    public AnomalyDetectionAlarm clientErrorJump() {
        return clientErrorJump;
    }

    public Alarm serverErrors() {
        return serverErrors;
    }

    /** A CloudFront metric of the distribution, in us-east-1 where CloudFront publishes it. */
    static Metric metric(String distributionId, String name, String statistic) {
        return Metric.Builder.create()
                .namespace("AWS/CloudFront")
                .metricName(name)
                .dimensionsMap(new TreeMap<>(Map.of("DistributionId", distributionId, "Region", "Global")))
                .statistic(statistic)
                .period(Duration.minutes(5))
                .region(DeploymentConfig.EDGE_REGION)
                .label(name)
                .build();
    }
}
