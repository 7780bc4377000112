package dev.nixfront.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.IWidget;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.SingleValueWidget;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.constructs.Construct;

/**
 * Alarms and the dashboard. Alarms fire on function errors and throttles, API 5xx, failed
 * asynchronous verifications and (see {@link DistributionAlarms}) CloudFront 5xx; they notify one SNS
 * topic, to which an e-mail address can be subscribed. The dashboard adds the business metrics the
 * functions emit as CloudWatch embedded-metric-format log lines in namespace {@value #NAMESPACE}:
 * {@code PathsPublished}, {@code BytesPublished} and {@code PublishRejected} by {@code Reason}.
 */
public final class Operations extends Construct {
    public static final String NAMESPACE = "nixfront";

    /**
     * @param functions      the functions to watch
     * @param api            the HTTP API to watch
     * @param distributionId the CloudFront distribution, graphed from us-east-1
     * @param alarmEmail     address subscribed to the alarm topic, or null
     */
    public record Props(Functions functions, Api api, String distributionId, String alarmEmail) {
    }

    private final Topic topic;
    private final List<Alarm> alarms = new ArrayList<>();

    public Operations(Construct scope, String id, Props props) {
        super(scope, id);
        topic = alarmTopic(this, props.alarmEmail());
        Duration fiveMinutes = Duration.minutes(5);
        MetricOptions sum = MetricOptions.builder().statistic("Sum").period(fiveMinutes).build();

        for (NixfrontFunction fn : props.functions().all()) {
            String name = fn.getNode().getId();
            alarm(name + "Errors", fn.function().metricErrors(sum), 1,
                    "nixfront " + name + " function failed at least once in 5 minutes (see its log group)");
            alarm(name + "Throttles", fn.function().metricThrottles(sum), 1,
                    "nixfront " + name + " function was throttled: account concurrency is exhausted");
        }
        alarm("ApiServerErrors", props.api().httpApi().metricServerError(sum), 5,
                "nixfront API answered 5xx at least 5 times in 5 minutes");
        alarm("VerifyFailures", props.functions().verifyFailures().metricApproximateNumberOfMessagesVisible(
                        MetricOptions.builder().statistic("Maximum").period(fiveMinutes).build()), 1,
                "an asynchronous NAR verification failed after retries; the record is in the VerifyFailures queue");

        List<IMetric> errors = new ArrayList<>();
        List<IMetric> throttles = new ArrayList<>();
        List<IMetric> durations = new ArrayList<>();
        for (NixfrontFunction fn : props.functions().all()) {
            String name = fn.getNode().getId();
            errors.add(fn.function().metricErrors(labelled(sum, name)));
            throttles.add(fn.function().metricThrottles(labelled(sum, name)));
            durations.add(fn.function().metricDuration(MetricOptions.builder()
                    .statistic("p99").period(fiveMinutes).label(name + " p99").build()));
        }
        List<IMetric> cloudFront = List.of(
                DistributionAlarms.metric(props.distributionId(), "Requests", "Sum"),
                DistributionAlarms.metric(props.distributionId(), "BytesDownloaded", "Sum"));
        List<IMetric> cloudFrontErrors = List.of(
                DistributionAlarms.metric(props.distributionId(), "4xxErrorRate", "Average"),
                DistributionAlarms.metric(props.distributionId(), "5xxErrorRate", "Average"));

        Dashboard dashboard = Dashboard.Builder.create(this, "Dashboard").build();
        dashboard.addWidgets(
                graph("Paths published", List.of(search("PathsPublished"))),
                graph("Bytes published", List.of(search("BytesPublished"))),
                graph("Publish rejections by reason", List.of(search("PublishRejected"))));
        dashboard.addWidgets(
                graph("Function errors", errors),
                graph("Function throttles", throttles),
                graph("Function duration p99 (ms)", durations));
        dashboard.addWidgets(
                graph("API requests and errors", List.of(
                        props.api().httpApi().metricCount(labelled(sum, "requests")),
                        props.api().httpApi().metricClientError(labelled(sum, "4xx")),
                        props.api().httpApi().metricServerError(labelled(sum, "5xx")))),
                graph("CloudFront requests and bytes", cloudFront),
                graph("CloudFront error rate (%)", cloudFrontErrors));
        dashboard.addWidgets(SingleValueWidget.Builder.create()
                .title("Verifications waiting in the failure queue")
                .metrics(List.of(props.functions().verifyFailures().metricApproximateNumberOfMessagesVisible()))
                .width(8)
                .build());
    }

    /** The topic alarms notify (SSL-only publishing; e-mail subscription if configured). */
    static Topic alarmTopic(Construct scope, String email) {
        Topic topic = Topic.Builder.create(scope, "AlarmTopic")
                .displayName("nixfront alarms")
                .enforceSsl(true)
                .build();
        if (email != null) {
            topic.addSubscription(new EmailSubscription(email));
        }
        return topic;
    }

    public ITopic topic() {
        return topic;
    }

    public List<Alarm> alarms() {
        return List.copyOf(alarms);
    }

    private void alarm(String id, IMetric metric, double threshold, String description) {
        Alarm alarm = Alarm.Builder.create(this, id)
                .metric(metric)
                .threshold(threshold)
                .evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .alarmDescription(description)
                .build();
        alarm.addAlarmAction(new SnsAction(topic));
        alarms.add(alarm);
    }

    /** Every dimension combination the functions emit the metric with, one line each. */
    private static IMetric search(String metricName) {
        return MathExpression.Builder.create()
                .expression("SEARCH('Namespace=\"" + NAMESPACE + "\" MetricName=\"" + metricName + "\"', 'Sum', 300)")
                .label(metricName)
                .period(Duration.minutes(5))
                .usingMetrics(Map.of())
                .build();
    }

    private static MetricOptions labelled(MetricOptions base, String label) {
        return MetricOptions.builder().statistic(base.getStatistic()).period(base.getPeriod()).label(label).build();
    }

    private static IWidget graph(String title, List<IMetric> metrics) {
        return GraphWidget.Builder.create().title(title).left(metrics).width(8).build();
    }
}
