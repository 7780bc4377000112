package dev.nixfront.bench.capacity;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a run found, per published path and per partition. The sustained rate counts the paths
 * published between 10% and 90% of the makespan, so neither the start (every client begins with
 * lookups and uploads, nothing is published yet) nor the tail (the last verifications) dilutes it.
 */
record Report(Options options, String keyDesign, long makespanNanos, long[] published, Tally total,
              Map<String, Tally> operations, Map<String, Meter.Function> functions, List<Partition> busiest,
              List<String> columns, Map<String, Long> counts, double metricPathsPublished, double realSeconds) {
    private static final double STEADY_FROM = 0.1;
    private static final double STEADY_TO = 0.9;
    private static final int BUSIEST = 10;
    private static final long SECOND = 1_000_000_000L;

    static Report of(Options options, TableModel table, Meter meter, long makespan, double metricPathsPublished,
                     double realSeconds) {
        List<String> columns = new ArrayList<>();
        for (Limit limit : List.of(Limit.DYNAMODB_READ, Limit.DYNAMODB_WRITE)) {
            columns.add(new Demand(TableModel.TABLE, "", limit, 0).column());
            table.indexes().forEach(i -> columns.add(new Demand(i.name(), "", limit, 0).column()));
        }
        columns.add(Demand.s3Read("").column());
        columns.add(Demand.s3Write("").column());
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String state : List.of("published", "verifying")) {
            counts.put(state, meter.count("publish answered " + state));
        }
        return new Report(options, table.describe(), makespan, meter.publishedTimes(), meter.total(), meter.operations(),
                meter.functions(), meter.busiest(BUSIEST), columns, counts, metricPathsPublished, realSeconds);
    }

    long paths() {
        return published.length;
    }

    double makespanSeconds() {
        return makespanNanos / 1e9;
    }

    /** Paths published per second between 10% and 90% of the makespan. */
    double sustained() {
        long from = Math.round(makespanNanos * STEADY_FROM);
        long to = Math.round(makespanNanos * STEADY_TO);
        long inWindow = 0;
        for (long at : published) {
            if (at >= from && at < to) {
                inWindow++;
            }
        }
        return to > from ? inWindow / ((to - from) / 1e9) : 0;
    }

    private double perPath(double value) {
        return published.length == 0 ? 0 : value / published.length;
    }

    /** The per-path table: what one published path cost, in requests, units and Lambda time. */
    Map<String, Double> perPath() {
        Map<String, Double> rows = new LinkedHashMap<>();
        rows.put("DynamoDB requests", perPath(total.requests(Request.Service.DYNAMODB)));
        for (String column : columns) {
            if (column.startsWith("RCU") || column.startsWith("WCU")) {
                rows.put(column, perPath(total.units(column)));
            }
        }
        rows.put("S3 reads (GET, HEAD, COPY source)", perPath(total.units(Demand.s3Read("").column())));
        rows.put("S3 writes (PUT, COPY, DELETE, multipart)", perPath(total.units(Demand.s3Write("").column())));
        rows.put("S3 requests", perPath(total.requests(Request.Service.S3)));
        rows.put("Lambda async Invokes", perPath(total.requests(Request.Service.LAMBDA)));
        long invocations = 0;
        long nanos = 0;
        for (Map.Entry<String, Meter.Function> f : functions.entrySet()) {
            rows.put("Lambda invocations, " + f.getKey(), perPath(f.getValue().invocations()));
            invocations += f.getValue().invocations();
        }
        rows.put("Lambda invocations, all", perPath(invocations));
        for (Map.Entry<String, Meter.Function> f : functions.entrySet()) {
            rows.put("Lambda seconds, " + f.getKey(), perPath(f.getValue().nanos() / 1e9));
            nanos += f.getValue().nanos();
        }
        rows.put("Lambda seconds, all", perPath(nanos / 1e9));
        return rows;
    }

    /** Each function's longest invocation and how many ran past its timeout, which Lambda (and API Gateway) would have cut off. */
    List<String> timeouts() {
        return functions.entrySet().stream().map(f -> String.format(Locale.ROOT, "%s longest %.1f s, %,d of %,d past its timeout",
                f.getKey(), f.getValue().longestNanos() / 1e9, f.getValue().overTimeout(), f.getValue().invocations())).toList();
    }

    /** How much of one partition's limit a path takes, and the rate of paths that limit allows. */
    record Busy(String resource, String key, Limit limit, double perPath, double ceiling, double utilisation, double steady) {
        String describe() {
            return (resource.equals(Demand.BUCKET) ? "S3 " : "DynamoDB " + resource + " ") + (key.isEmpty() ? "(bucket root)" : key)
                    + (limit == Limit.DYNAMODB_READ || limit == Limit.S3_READ ? " reads" : " writes");
        }
    }

    List<Busy> busy() {
        // The timelines count whole seconds: the steady window is cut to them.
        long from = Math.round(makespanNanos * STEADY_FROM) / SECOND * SECOND;
        long to = Math.round(makespanNanos * STEADY_TO) / SECOND * SECOND;
        return busiest.stream().map(p -> new Busy(p.resource(), p.key(), p.limit(), perPath(p.units()),
                perPath(p.units()) == 0 ? Double.POSITIVE_INFINITY : p.limit().perSecond() / perPath(p.units()),
                makespanNanos == 0 ? 0 : p.busyNanos() / (double) makespanNanos,
                to <= from ? 0 : p.busyNanosBetween(from, to) / (double) (to - from))).toList();
    }

    void print(PrintStream out) {
        out.printf(Locale.ROOT, "nixfront capacity simulation: one cache, %,d workers (starting over %s s), %,d paths"
                + " in closures of %d, %s%n", options.workers(), ms(options.rampSeconds()), options.paths(), options.closure(),
                options.limits() ? "AWS per-partition limits enforced (cold: no adaptive capacity, no burst)" : "NO LIMITS");
        out.printf(Locale.ROOT, "latencies: DynamoDB %s ms, S3 %s ms, client PUT %s ms, Lambda async Invoke %s ms%n",
                ms(options.dynamoDbMs()), ms(options.s3Ms()), ms(options.putMs()), ms(options.invokeMs()));
        out.println("key design (DynamoDbTableSchema.createTableRequest): " + keyDesign);
        out.println();
        out.printf(Locale.ROOT, "sustained: %,.1f paths/s (published between %.0f%% and %.0f%% of the makespan)%n",
                sustained(), STEADY_FROM * 100, STEADY_TO * 100);
        out.printf(Locale.ROOT, "makespan: %,.1f s virtual; %,d paths published (%,.1f paths/s overall); publish answered"
                + " %,d published inline and %,d verifying (left to the verify function); PathsPublished metric %,.0f%n",
                makespanSeconds(), paths(), makespanNanos == 0 ? 0 : paths() / makespanSeconds(), counts.get("published"),
                counts.get("verifying"), metricPathsPublished);
        long closures = (options.paths() + options.closure() - 1) / options.closure();
        if (closures < 2L * options.workers()) {
            // One wave of pushes that all start together: what the window sees is that wave, not how the cache holds up.
            out.printf(Locale.ROOT, "note: %,d closures for %,d workers, fewer than two each: the window holds the start-up wave,"
                    + " not a steady state; push more paths (and spread the starts, --ramp-s) to see one%n", closures, options.workers());
        }
        out.println("invocations: " + String.join("; ", timeouts())
                + " (29 s, the verify function 15 min; not cut off here: a throttled request waits and retries without end)");
        out.printf(Locale.ROOT, "simulated %,d requests in %.1f s of real time%n", total.requests(), realSeconds);
        out.println();
        out.println("per published path:");
        out.println("| what | per path |");
        out.println("|---|---:|");
        perPath().forEach((what, value) -> out.printf(Locale.ROOT, "| %s | %.3f |%n", what, value));
        out.println();
        out.println("per operation, per published path:");
        out.println("| operation | requests | throttled s | units |");
        out.println("|---|---:|---:|---|");
        operations.forEach((operation, tally) -> out.printf(Locale.ROOT, "| %s | %.3f | %.4f | %s |%n", operation,
                perPath(tally.requests()), perPath(tally.throttledNanos() / 1e9), tally.units().entrySet().stream()
                        .map(u -> String.format(Locale.ROOT, "%s %.3f", u.getKey(), perPath(u.getValue())))
                        .collect(Collectors.joining(", "))));
        out.println();
        out.printf(Locale.ROOT, "the %d busiest partitions (ceiling: the paths/s that limit allows at this demand per path;"
                + " utilisation: time busy at the limit's rate over the makespan, and over the steady window):%n", busiest.size());
        out.println("| # | partition | limit | demand per path | ceiling paths/s | utilisation | steady |");
        out.println("|---:|---|---|---:|---:|---:|---:|");
        List<Busy> busy = busy();
        for (int i = 0; i < busy.size(); i++) {
            Busy b = busy.get(i);
            out.printf(Locale.ROOT, "| %d | %s | %s | %.3f %s | %,.0f | %.1f%% | %.1f%% |%n", i + 1, b.describe(), b.limit().rate(),
                    b.perPath(), b.limit().unit(), b.ceiling(), b.utilisation() * 100, b.steady() * 100);
        }
        if (!busy.isEmpty()) {
            out.println();
            out.println("timeline: paths published per second, and the utilisation of the busiest partition ("
                    + busy.getFirst().describe() + "):");
            out.println("| from s | to s | paths/s | utilisation |");
            out.println("|---:|---:|---:|---:|");
            for (Slice slice : timeline()) {
                out.printf(Locale.ROOT, "| %d | %d | %,.1f | %.1f%% |%n", slice.fromSecond(), slice.toSecond(), slice.pathsPerSecond(),
                        slice.busiestUtilisation() * 100);
            }
            Busy first = busy.getFirst();
            out.printf(Locale.ROOT, "%n%s: %s at %s, %.3f %s per path: at most %,.0f paths/s for one cache%n",
                    options.limits() ? "binding" : "first limit this load would exceed", first.describe(), first.limit().rate(),
                    first.perPath(), first.limit().unit(), first.ceiling());
        }
    }

    /** One slice of the run: paths published per second in it, and the busiest partition's utilisation. */
    record Slice(long fromSecond, long toSecond, double pathsPerSecond, double busiestUtilisation) {}

    /** The run in about 20 slices of whole seconds, to show whether (and when) it was steady. */
    List<Slice> timeline() {
        long seconds = (makespanNanos + SECOND - 1) / SECOND;
        long width = Math.max(1, Math.round(seconds / 20.0));
        Partition top = busiest.isEmpty() ? null : busiest.getFirst();
        List<Slice> slices = new ArrayList<>();
        for (long from = 0; from < seconds; from += width) {
            long to = Math.min(seconds, from + width);
            long lo = from * SECOND;
            long hi = to * SECOND;
            long count = 0;
            for (long at : published) {
                if (at >= lo && at < hi) {
                    count++;
                }
            }
            slices.add(new Slice(from, to, count / (double) (to - from),
                    top == null ? 0 : top.busyNanosBetween(lo, hi) / (double) (hi - lo)));
        }
        return slices;
    }

    private static String ms(double millis) {
        return millis == Math.rint(millis) ? Long.toString((long) millis) : Double.toString(millis);
    }
}
