package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmfMetricsTest {
    @Test
    void writesOneEmbeddedMetricFormatLinePerMetric() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EmfMetrics metrics = new EmfMetrics(new PrintStream(out, true, StandardCharsets.UTF_8),
                Clock.fixed(Instant.ofEpochMilli(1_764_090_000_000L), ZoneOffset.UTC));

        metrics.record("PublishRejected", 1, "Count", Map.of("Reason", "NarHash"));
        metrics.record("BytesPublished", 120, "Bytes", Map.of());

        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(2);
        JsonNode rejected = Json.mapper().readTree(lines[0]);
        assertThat(rejected.at("/_aws/Timestamp").asLong()).isEqualTo(1_764_090_000_000L);
        assertThat(rejected.at("/_aws/CloudWatchMetrics/0/Namespace").asText()).isEqualTo("nixfront");
        assertThat(rejected.at("/_aws/CloudWatchMetrics/0/Dimensions/0/0").asText()).isEqualTo("Reason");
        assertThat(rejected.at("/_aws/CloudWatchMetrics/0/Metrics/0/Name").asText()).isEqualTo("PublishRejected");
        assertThat(rejected.at("/_aws/CloudWatchMetrics/0/Metrics/0/Unit").asText()).isEqualTo("Count");
        assertThat(rejected.get("Reason").asText()).isEqualTo("NarHash");
        assertThat(rejected.get("PublishRejected").asDouble()).isEqualTo(1);
        JsonNode bytes = Json.mapper().readTree(lines[1]);
        assertThat(bytes.at("/_aws/CloudWatchMetrics/0/Dimensions/0").size()).isZero();
        assertThat(bytes.get("BytesPublished").asDouble()).isEqualTo(120);
    }
}
