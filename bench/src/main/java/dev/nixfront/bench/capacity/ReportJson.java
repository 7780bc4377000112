package dev.nixfront.bench.capacity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Collectors;

/** The report as JSON ({@code --json FILE}), for comparing runs before and after a change by script. */
final class ReportJson {
    private ReportJson() {
    }

    static void write(Report report, Path file) throws IOException {
        Options options = report.options();
        StringBuilder json = new StringBuilder("{\n");
        field(json, "workers", options.workers());
        field(json, "paths", options.paths());
        field(json, "closure", options.closure());
        field(json, "rampSeconds", options.rampSeconds());
        json.append("  \"limits\": ").append(options.limits()).append(",\n");
        json.append("  \"latenciesMs\": {\"dynamoDb\": ").append(options.dynamoDbMs()).append(", \"s3\": ").append(options.s3Ms())
                .append(", \"clientPut\": ").append(options.putMs()).append(", \"invoke\": ").append(options.invokeMs()).append("},\n");
        json.append("  \"keyDesign\": ").append(quote(report.keyDesign())).append(",\n");
        field(json, "sustainedPathsPerSecond", report.sustained());
        field(json, "makespanSeconds", report.makespanSeconds());
        field(json, "pathsPublished", report.paths());
        field(json, "publishedInline", report.counts().get("published"));
        field(json, "leftToVerify", report.counts().get("verifying"));
        field(json, "requests", report.total().requests());
        json.append("  \"perPath\": {");
        json.append(report.perPath().entrySet().stream().map(e -> "\n    " + quote(e.getKey()) + ": " + number(e.getValue()))
                .collect(Collectors.joining(","))).append("\n  },\n");
        json.append("  \"functions\": [");
        json.append(report.functions().entrySet().stream().map(f -> "\n    {\"function\": " + quote(f.getKey()) + ", \"invocations\": "
                + f.getValue().invocations() + ", \"seconds\": " + number(f.getValue().nanos() / 1e9) + ", \"longestSeconds\": "
                + number(f.getValue().longestNanos() / 1e9) + ", \"pastTimeout\": " + f.getValue().overTimeout() + "}")
                .collect(Collectors.joining(","))).append("\n  ],\n");
        json.append("  \"timeline\": [");
        json.append(report.timeline().stream().map(t -> "\n    {\"from\": " + t.fromSecond() + ", \"to\": " + t.toSecond()
                + ", \"pathsPerSecond\": " + number(t.pathsPerSecond()) + ", \"busiestUtilisation\": " + number(t.busiestUtilisation())
                + "}").collect(Collectors.joining(","))).append("\n  ],\n");
        json.append("  \"busiestPartitions\": [");
        json.append(report.busy().stream().map(b -> "\n    {\"partition\": " + quote(b.describe())
                + ", \"limit\": " + quote(b.limit().rate()) + ", \"demandPerPath\": " + number(b.perPath())
                + ", \"ceilingPathsPerSecond\": " + number(b.ceiling()) + ", \"utilisation\": " + number(b.utilisation())
                + ", \"steadyUtilisation\": " + number(b.steady()) + "}").collect(Collectors.joining(","))).append("\n  ]\n}\n");
        Files.writeString(file, json, StandardCharsets.UTF_8);
    }

    private static void field(StringBuilder json, String name, double value) {
        json.append("  ").append(quote(name)).append(": ").append(number(value)).append(",\n");
    }

    private static String number(double value) {
        if (Double.isInfinite(value) || Double.isNaN(value)) {
            return "null";
        }
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
                : String.format(Locale.ROOT, "%.4f", value);
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
