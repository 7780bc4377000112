package dev.nixfront.infra;

import static dev.nixfront.infra.Json.at;
import static dev.nixfront.infra.Json.list;
import static dev.nixfront.infra.Json.properties;
import static dev.nixfront.infra.Json.render;
import static dev.nixfront.infra.Json.resources;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class OperationsTest {

    private static Set<String> alarmedMetrics(Map<String, Object> template) {
        Set<String> metrics = new TreeSet<>();
        resources(template, "AWS::CloudWatch::Alarm").values().forEach(alarm -> {
            Map<String, Object> p = properties(alarm);
            assertThat(list(p.get("AlarmActions"))).as("every alarm notifies the topic").hasSize(1);
            Object metric = p.containsKey("Metrics")
                    ? list(p.get("Metrics")).stream().map(m -> at(m, "MetricStat", "Metric")).filter(m -> m != null).findFirst().orElseThrow()
                    : p;
            metrics.add(at(metric, "Namespace") + " " + at(metric, "MetricName"));
        });
        return metrics;
    }

    @Test
    void functionErrorsThrottlesApi5xxAndFailedVerificationsAlarm() {
        Map<String, Object> main = Deployments.json(Deployments.standard().main());
        assertThat(resources(main, "AWS::CloudWatch::Alarm")).hasSize(6 * 2 + 2 + 1 + 2 + 2 + 2);
        assertThat(alarmedMetrics(main)).containsExactlyInAnyOrder(
                "AWS/Lambda Errors", "AWS/Lambda Throttles", "AWS/ApiGateway 5xx", "AWS/SQS ApproximateNumberOfMessagesVisible",
                "nixfront InternalErrors", "AWS/DynamoDB ReadThrottleEvents", "AWS/DynamoDB WriteThrottleEvents",
                "AWS/Lambda AsyncEventAge", "AWS/Lambda AsyncEventsDropped");
        Set<String> functionsWithErrorAlarms = new TreeSet<>();
        resources(main, "AWS::CloudWatch::Alarm").values().forEach(alarm -> {
            Object dimensions = at(alarm, "Properties", "Dimensions");
            if ("Errors".equals(at(alarm, "Properties", "MetricName"))) {
                functionsWithErrorAlarms.add(render(at(list(dimensions).get(0), "Value")));
            }
        });
        assertThat(functionsWithErrorAlarms).hasSize(6);
        // Each index's own write throttling, which throttles the table's writes with it.
        assertThat(resources(main, "AWS::CloudWatch::Alarm").values().stream()
                .map(alarm -> render(properties(alarm).get("Dimensions")))
                .filter(d -> d.contains("GlobalSecondaryIndexName")))
                .hasSize(2).anySatisfy(d -> assertThat(d).contains("gsi1")).anySatisfy(d -> assertThat(d).contains("gsi2"));
    }

    @Test
    void cloudFront5xxIsAlarmedInUsEast1WhereItsMetricsAre() {
        Deployments.Synthesized standard = Deployments.standard();
        assertThat(standard.stacks().edgeMonitoring().getRegion()).isEqualTo("us-east-1");
        assertThat(alarmedMetrics(Deployments.json(standard.edgeMonitoring())))
                .containsExactly("AWS/CloudFront 4xxErrorRate", "AWS/CloudFront 5xxErrorRate");

        Deployments.Synthesized full = Deployments.full();
        assertThat(full.stacks().edgeMonitoring()).as("main stack already in us-east-1").isNull();
        assertThat(alarmedMetrics(Deployments.json(full.main()))).contains("AWS/CloudFront 4xxErrorRate", "AWS/CloudFront 5xxErrorRate");
    }

    @Test
    void a4xxJumpIsAnAnomalyBandNotAFixedThreshold() {
        Map<String, Object> edge = Deployments.json(Deployments.standard().edgeMonitoring());
        assertThat(resources(edge, "AWS::CloudWatch::Alarm").values()).anySatisfy(alarm -> {
            assertThat(properties(alarm)).containsEntry("ComparisonOperator", "GreaterThanUpperThreshold");
            assertThat(render(list(properties(alarm).get("Metrics")))).contains("ANOMALY_DETECTION_BAND", "4xxErrorRate");
        });
    }

    @Test
    void failuresAnsweredAs500AreCountedFromTheirLogLine() {
        Map<String, Object> main = Deployments.json(Deployments.standard().main());
        Map<String, Map<String, Object>> filters = resources(main, "AWS::Logs::MetricFilter");
        assertThat(filters).hasSize(6);
        filters.values().forEach(filter -> {
            assertThat((String) properties(filter).get("FilterPattern"))
                    .contains("$.level = \"ERROR\"", "&&", "$.message = \"internal error\"");
            assertThat(list(properties(filter).get("MetricTransformations"))).singleElement().satisfies(t -> assertThat(Json.map(t))
                    .containsEntry("MetricNamespace", "nixfront").containsEntry("MetricName", "InternalErrors").containsEntry("MetricValue", "1"));
        });
    }

    @Test
    void theVerifyQueueAlarmsOnAgeAndDrops() {
        Map<String, Object> main = Deployments.json(Deployments.standard().main());
        assertThat(resources(main, "AWS::CloudWatch::Alarm").values()).anySatisfy(alarm -> {
            assertThat(properties(alarm)).containsEntry("MetricName", "AsyncEventAge").containsEntry("Statistic", "Maximum")
                    .containsEntry("Threshold", 900000);
            assertThat(render(at(list(properties(alarm).get("Dimensions")).get(0), "Value"))).contains("FunctionsVerify");
        });
    }

    @Test
    void theEgressBudgetIsOptionalAndNotifiesTheTopic() {
        assertThat(resources(Deployments.json(Deployments.standard().main()), "AWS::Budgets::Budget")).isEmpty();
        Map<String, Object> full = Deployments.json(Deployments.full().main());
        assertThat(resources(full, "AWS::Budgets::Budget").values()).singleElement().satisfies(budget -> {
            assertThat(at(budget, "Properties", "Budget", "BudgetLimit", "Amount")).isEqualTo(Deployments.FULL_EGRESS_BUDGET_USD);
            assertThat(at(budget, "Properties", "Budget", "CostFilters", "Service")).isEqualTo(List.of("Amazon CloudFront"));
            assertThat(list(at(budget, "Properties", "NotificationsWithSubscribers"))).hasSize(2).allSatisfy(n ->
                    assertThat(render(at(list(at(n, "Subscribers")).get(0), "Address"))).contains("AlarmTopic"));
        });
        assertThat(resources(full, "AWS::SNS::TopicPolicy").values()).singleElement().satisfies(policy ->
                assertThat(list(at(policy, "Properties", "PolicyDocument", "Statement"))).anySatisfy(statement ->
                        assertThat(at(statement, "Principal", "Service")).isEqualTo("budgets.amazonaws.com")));
    }

    @Test
    void theDashboardGraphsTheBusinessMetricsTheFunctionsEmit() {
        Map<String, Object> main = Deployments.json(Deployments.standard().main());
        String body = render(at(resources(main, "AWS::CloudWatch::Dashboard").values().iterator().next(), "Properties", "DashboardBody"));
        for (String metric : new String[] {"PathsPublished", "BytesPublished", "PublishRejected"}) {
            assertThat(body).contains("Namespace=\\\"nixfront\\\" MetricName=\\\"" + metric + "\\\"");
        }
        assertThat(body).contains("AWS/CloudFront", "\"region\":\"us-east-1\"", "AWS/Lambda", "AWS/ApiGateway");
    }

    @Test
    void alarmTopicsRefusePlainHttpAndTheEmailIsSubscribed() {
        Map<String, Object> full = Deployments.json(Deployments.full().main());
        assertThat(resources(full, "AWS::SNS::Subscription").values()).singleElement()
                .satisfies(s -> assertThat(properties(s)).containsEntry("Protocol", "email").containsEntry("Endpoint", "ops@example.org"));
        for (Map<String, Object> template : List.of(full, Deployments.json(Deployments.standard().main()))) {
            assertThat(resources(template, "AWS::SNS::TopicPolicy").values()).singleElement().satisfies(policy ->
                    assertThat(list(at(policy, "Properties", "PolicyDocument", "Statement"))).anySatisfy(statement ->
                            assertThat(at(statement, "Condition", "Bool", "aws:SecureTransport")).isEqualTo("false")));
        }
    }
}
