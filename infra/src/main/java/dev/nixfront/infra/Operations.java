package dev.nixfront.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.budgets.CfnBudget;
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
import software.amazon.awscdk.services.cloudwatch.Unit;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.logs.FilterPattern;
import software.amazon.awscdk.services.logs.MetricFilter;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.constructs.Construct;

/**
 * Alarms and the dashboard. Alarms fire on function errors and throttles, on failures a function
 * caught and answered with 500 (its {@code "internal error"} log line, counted by a metric filter as
 * {@value #INTERNAL_ERRORS}), API 5xx, DynamoDB throttling, verifications waiting too long in the
 * verify function's asynchronous event queue or dropped from it, failed asynchronous verifications
 * and (see {@link DistributionAlarms}) CloudFront 5xx and a jump in 4xx; they notify one SNS topic,
 * to which an e-mail address can be subscribed. An optional AWS Budgets budget on CloudFront's cost
 * (mostly egress) notifies the same topic. The dashboard adds the business metrics the
 * functions emit as CloudWatch embedded-metric-format log lines in namespace {@value #NAMESPACE}:
 * {@code PathsPublished}, {@code BytesPublished} and {@code PublishRejected} by {@code Reason}.
 */
public final class Operations extends Construct {
    public static final String NAMESPACE = "nixfront";

    /**
     * The metric the functions' {@code "internal error"} log lines count into, in namespace
     * {@value #NAMESPACE} (or the deployment's own, with another {@code nixfront:stackName}).
     */
    public static final String INTERNAL_ERRORS = "InternalErrors";

    /** A verification event older than this in the verify function's queue alarms (events live 1 h). */
    public static final Duration VERIFY_QUEUE_AGE = Duration.minutes(15);

    /**
     * @param functions      the functions to watch
     * @param api            the HTTP API to watch
     * @param distributionId the CloudFront distribution, graphed from us-east-1
     * @param alarmEmail     address subscribed to the alarm topic, or null
     * @param table          the index table, whose throttling is alarmed
     * @param egressBudgetUsd monthly CloudFront cost budget in USD, or null for none
     * @param namePrefix     the deployment's name prefix ({@link DeploymentConfig#namePrefix()}): the
     *                       namespace of the {@value #INTERNAL_ERRORS} metric, unique per deployment
     */
    public record Props(Functions functions, Api api, String distributionId, String alarmEmail, ITable table,
                        Integer egressBudgetUsd, String namePrefix) {
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

        // A failure a handler caught is answered with 500 and is no Lambda error: count its log line.
        for (NixfrontFunction fn : props.functions().all()) {
            MetricFilter.Builder.create(this, fn.getNode().getId() + "InternalErrorFilter")
                    .logGroup(fn.logs())
                    .filterPattern(FilterPattern.all(
                            FilterPattern.stringValue("$.level", "=", "ERROR"),
                            FilterPattern.stringValue("$.message", "=", "internal error")))
                    .metricNamespace(props.namePrefix())
                    .metricName(INTERNAL_ERRORS)
                    .metricValue("1")
                    .unit(Unit.COUNT)
                    .build();
        }
        alarm("InternalErrors", Metric.Builder.create().namespace(props.namePrefix()).metricName(INTERNAL_ERRORS)
                        .statistic("Sum").period(fiveMinutes).build(), 1,
                "a nixfront function answered 500 (internal error) at least once in 5 minutes; its log group has "
                        + "the JSON line with the stack trace (filter: { $.message = \"internal error\" })");

        for (String event : List.of("ReadThrottleEvents", "WriteThrottleEvents")) {
            alarm("Index" + event, props.table().metric(event, sum), 1,
                    "the nixfront index table answered " + event + " (on-demand capacity: a sudden burst, or the "
                            + "account's table throughput quota); requests failed or were retried");
        }
        // An index that cannot keep up throttles the table's writes; its own metric says which one.
        for (String index : List.of(Storage.GSI1, Storage.GSI2)) {
            alarm("Index" + index.toUpperCase(Locale.ROOT) + "WriteThrottleEvents",
                    Metric.Builder.create().namespace("AWS/DynamoDB").metricName("WriteThrottleEvents")
                            .dimensionsMap(Map.of("TableName", props.table().getTableName(), "GlobalSecondaryIndexName", index))
                            .statistic("Sum").period(fiveMinutes).build(), 1,
                    "the nixfront index's " + index + " throttled writes, and with them the table's: a hot index partition "
                            + "(docs/design.md, 'Capacity') or the account's throughput quota");
        }

        NixfrontFunction verify = props.functions().verify();
        alarm("VerifyQueueAge", verify.function().metric("AsyncEventAge", MetricOptions.builder()
                        .statistic("Maximum").period(fiveMinutes).build()), VERIFY_QUEUE_AGE.toMilliseconds().doubleValue(),
                "a NAR verification waited " + VERIFY_QUEUE_AGE.toMinutes() + " minutes or more in the verify function's "
                        + "event queue (throttled or failing and retrying); events older than 1 hour are dropped");
        alarm("VerifyEventsDropped", verify.function().metric("AsyncEventsDropped", sum), 1,
                "the verify function's event queue dropped a verification (too old, or retries exhausted); "
                        + "see docs/deploy.md, 'Redriving failed verifications'");
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

        if (props.egressBudgetUsd() != null) {
            egressBudget(props.egressBudgetUsd());
        }
    }

    /**
     * A monthly cost budget on the Amazon CloudFront service (egress and requests; S3 to CloudFront is
     * free), notifying the alarm topic at 80 % actual spend and at a forecast over 100 %. Budgets are
     * account-wide: the filter is the service, not this distribution.
     */
    private void egressBudget(int usd) {
        topic.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("BudgetsPublish")
                .principals(List.of(new ServicePrincipal("budgets.amazonaws.com")))
                .actions(List.of("sns:Publish"))
                .resources(List.of(topic.getTopicArn()))
                .conditions(new TreeMap<>(Map.of("StringEquals", Map.of("aws:SourceAccount", Stack.of(this).getAccount()))))
                .build());
        List<CfnBudget.SubscriberProperty> subscribers = List.of(CfnBudget.SubscriberProperty.builder()
                .subscriptionType("SNS").address(topic.getTopicArn()).build());
        CfnBudget budget = CfnBudget.Builder.create(this, "EgressBudget")
                .budget(CfnBudget.BudgetDataProperty.builder()
                        .budgetType("COST")
                        .timeUnit("MONTHLY")
                        .budgetLimit(CfnBudget.SpendProperty.builder().amount(usd).unit("USD").build())
                        .costFilters(Map.of("Service", List.of("Amazon CloudFront")))
                        .build())
                .notificationsWithSubscribers(List.of(
                        notification("ACTUAL", 80, subscribers),
                        notification("FORECASTED", 100, subscribers)))
                .build();
        budget.getNode().addDependency(topic);
    }

    private static CfnBudget.NotificationWithSubscribersProperty notification(
            String type, int percent, List<CfnBudget.SubscriberProperty> subscribers) {
        return CfnBudget.NotificationWithSubscribersProperty.builder()
                .notification(CfnBudget.NotificationProperty.builder()
                        .notificationType(type)
                        .comparisonOperator("GREATER_THAN")
                        .threshold(percent)
                        .thresholdType("PERCENTAGE")
                        .build())
                .subscribers(subscribers)
                .build();
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
