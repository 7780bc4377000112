package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.Metrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public final class RecordingMetrics implements Metrics {
    public record Entry(String name, double value, String unit, Map<String, String> dimensions) {}

    private final List<Entry> entries = new ArrayList<>();

    @Override
    public synchronized void record(String name, double value, String unit, Map<String, String> dimensions) {
        entries.add(new Entry(name, value, unit, Map.copyOf(dimensions)));
    }

    public synchronized double total(String name) {
        return entries.stream().filter(e -> e.name().equals(name)).mapToDouble(Entry::value).sum();
    }

    public synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }
}
