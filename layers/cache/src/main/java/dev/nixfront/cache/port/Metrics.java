package dev.nixfront.cache.port;

import java.util.Map;

/**
 * Where business metrics go: CloudWatch embedded-metric-format log lines in Lambda, the same
 * lines (or nothing) locally. Values only; never pass a secret as a dimension.
 */
public interface Metrics {
    /** Counts {@code value} of {@code name} (unit {@code Count} or {@code Bytes}) with optional dimensions. */
    void record(String name, double value, String unit, Map<String, String> dimensions);

    Metrics NONE = (name, value, unit, dimensions) -> { };
}
