package dev.nixfront.aws;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nixfront.api.Json;
import dev.nixfront.cache.port.Metrics;
import java.io.PrintStream;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * Metrics as CloudWatch embedded metric format: one JSON log line each, which CloudWatch Logs turns
 * into metrics with no API call from the function. E.g.
 * <pre>{@code
 * {"_aws":{"Timestamp":1764090000000,"CloudWatchMetrics":[{"Namespace":"nixfront","Dimensions":[["Reason"]],
 *   "Metrics":[{"Name":"PublishRejected","Unit":"Count"}]}]},"Reason":"NarHash","PublishRejected":1.0}
 * }</pre>
 */
public final class EmfMetrics implements Metrics {
    public static final String NAMESPACE = "nixfront";

    private final PrintStream out;
    private final Clock clock;

    public EmfMetrics(PrintStream out, Clock clock) {
        this.out = Objects.requireNonNull(out);
        this.clock = Objects.requireNonNull(clock);
    }

    @Override
    public void record(String name, double value, String unit, Map<String, String> dimensions) {
        ObjectNode line = Json.mapper().createObjectNode();
        ObjectNode aws = line.putObject("_aws");
        aws.put("Timestamp", clock.millis());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", NAMESPACE);
        ArrayNode dimensionSet = directive.putArray("Dimensions").addArray();
        dimensions.keySet().stream().sorted().forEach(dimensionSet::add);
        ObjectNode metric = directive.putArray("Metrics").addObject();
        metric.put("Name", name);
        metric.put("Unit", unit);
        dimensions.forEach(line::put);
        line.put(name, value);
        String text = Json.write(line);
        // One println per metric: concurrent writers must not interleave inside a line.
        synchronized (out) {
            out.println(text);
        }
    }
}
