package dev.nixfront.bench.capacity;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/** Requests by service and units by report column ({@link Demand#column}), of one operation or of all. */
final class Tally {
    private final Map<Request.Service, Long> requests = new EnumMap<>(Request.Service.class);
    private final Map<String, Double> units = new TreeMap<>();
    private long throttledNanos;

    /** One request that waited {@code throttled} beyond its latency for the partitions it touched. */
    void add(Request request, long throttled) {
        throttledNanos += throttled;
        requests.merge(request.service(), 1L, Long::sum);
        for (Demand d : request.demands()) {
            units.merge(d.column(), d.units(), Double::sum);
        }
    }

    /** Time requests waited for partitions beyond their latency: throttling and the SDK's retries. */
    long throttledNanos() {
        return throttledNanos;
    }

    long requests(Request.Service service) {
        return requests.getOrDefault(service, 0L);
    }

    long requests() {
        return requests.values().stream().mapToLong(Long::longValue).sum();
    }

    double units(String column) {
        return units.getOrDefault(column, 0.0);
    }

    Map<String, Double> units() {
        return Collections.unmodifiableMap(new TreeMap<>(units));
    }
}
