package dev.nixfront.bench.capacity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The stand-in's own accounting and throttling. A metered port call is {@link #turn()} (wait until
 * this execution is the earliest), then the call on the in-memory fake, then {@link #finish} with
 * the requests the AWS adapter would have sent: each takes its share of every partition it touches,
 * and completes at the later of its latency and the end of its slot on each of them (see
 * {@link Partition}). A table write and its index writes are one request, so a saturated index
 * partition holds back the table write that caused it, as DynamoDB does.
 */
final class Meter {
    /**
     * What one Lambda function was invoked for, in all: invocations, virtual time, the longest one,
     * and how many ran past the function's timeout (which a real invocation would not survive).
     */
    record Function(long invocations, long nanos, long longestNanos, long overTimeout) {
        Function add(Function other) {
            return new Function(invocations + other.invocations, nanos + other.nanos, Math.max(longestNanos, other.longestNanos),
                    overTimeout + other.overTimeout);
        }
    }

    private final Scheduler scheduler;
    private final boolean enforce;
    private final Map<String, Partition> partitions = new HashMap<>();
    private final Map<String, Tally> operations = new TreeMap<>();
    private final Tally total = new Tally();
    private final Map<String, Function> functions = new TreeMap<>();
    private final Map<String, Long> counts = new TreeMap<>();
    private long[] published = new long[1024];
    private int publishedCount;

    Meter(Scheduler scheduler, boolean enforce) {
        this.scheduler = scheduler;
        this.enforce = enforce;
    }

    /** Waits for this execution's turn: the next request it makes starts now, in virtual time. */
    void turn() {
        scheduler.turn();
    }

    /** Issues the request at the caller's virtual time and moves its clock to the request's end; returns that end. */
    long finish(Request request) {
        return finishAll(List.of(request));
    }

    /** Issues requests all at once (a client's parallel uploads) and returns when the last of them ends. */
    long finishAll(List<Request> requests) {
        long now = scheduler.begin();
        long end = now;
        synchronized (this) {
            for (Request request : requests) {
                end = Math.max(end, issue(request, now));
            }
        }
        scheduler.end(end);
        return end;
    }

    private long issue(Request request, long now) {
        long end = now + request.latencyNanos();
        for (Demand d : request.demands()) {
            Partition partition = partitions.computeIfAbsent(d.resource() + ' ' + d.limit() + ' ' + d.key(),
                    k -> new Partition(d.resource(), d.key(), d.limit()));
            end = Math.max(end, partition.take(now, d.units(), enforce));
        }
        long throttled = end - now - request.latencyNanos();
        operations.computeIfAbsent(request.operation(), k -> new Tally()).add(request, throttled);
        total.add(request, throttled);
        return end;
    }

    /** A path became published (its index item was written so) at virtual time {@code at}. */
    synchronized void published(long at) {
        if (publishedCount == published.length) {
            published = Arrays.copyOf(published, published.length * 2);
        }
        published[publishedCount++] = at;
    }

    /** One invocation of {@code function} that took {@code nanos} of virtual time, against its timeout. */
    synchronized void invoked(String function, long nanos, Duration timeout) {
        functions.merge(function, new Function(1, nanos, nanos, nanos > timeout.toNanos() ? 1 : 0), Function::add);
    }

    /** Counts something the report shows beside the requests, e.g. the paths a publish answered {@code verifying}. */
    synchronized void count(String what, long n) {
        counts.merge(what, n, Long::sum);
    }

    synchronized long count(String what) {
        return counts.getOrDefault(what, 0L);
    }

    synchronized long[] publishedTimes() {
        long[] times = Arrays.copyOf(published, publishedCount);
        Arrays.sort(times);
        return times;
    }

    synchronized Tally total() {
        return total;
    }

    synchronized Map<String, Tally> operations() {
        return Collections.unmodifiableMap(new TreeMap<>(operations));
    }

    synchronized Map<String, Function> functions() {
        return Collections.unmodifiableMap(new TreeMap<>(functions));
    }

    /** The partitions that were busy longest, busiest first. */
    synchronized List<Partition> busiest(int count) {
        List<Partition> all = new ArrayList<>(partitions.values());
        all.sort(Comparator.comparingLong(Partition::busyNanos).reversed()
                .thenComparing(Partition::resource).thenComparing(Partition::key));
        return List.copyOf(all.subList(0, Math.min(count, all.size())));
    }
}
