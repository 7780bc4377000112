package dev.nixfront.bench.capacity;

import java.util.Arrays;

/**
 * One partition under one limit (a DynamoDB partition-key value's reads or writes, an S3 prefix's
 * reads or writes) as a fluid queue: a request of u units starts when the partition is free, at the
 * earliest on arrival, and occupies it u / rate. Waiting in this queue stands for being throttled
 * and retried by the SDK until the partition has room; the rate it drains at is the limit.
 */
final class Partition {
    /** A partition keeps a timeline of when it was busy once it served this many requests: hot ones only, to save memory. */
    private static final int TIMELINE_FROM = 64;
    private static final long SECOND = 1_000_000_000L;

    private final String resource;
    private final String key;
    private final Limit limit;
    private long nextFree;
    private long busyNanos;
    private double units;
    private long requests;
    /** Busy nanoseconds in each second of virtual time (from {@value #TIMELINE_FROM} requests on). */
    private long[] timeline = new long[0];

    Partition(String resource, String key, Limit limit) {
        this.resource = resource;
        this.key = key;
        this.limit = limit;
    }

    /**
     * Takes {@code demand} units arriving at {@code now}; returns when they are served, which with
     * {@code enforce} false (the unlimited run) is at once, though the time they would occupy is counted.
     */
    long take(long now, double demand, boolean enforce) {
        long occupied = limit.nanos(demand);
        busyNanos += occupied;
        units += demand;
        requests++;
        long start = enforce ? Math.max(now, nextFree) : now;
        record(start, start + occupied);
        if (!enforce) {
            return now;
        }
        nextFree = start + occupied;
        return nextFree;
    }

    private void record(long from, long to) {
        if (requests < TIMELINE_FROM) {
            return;
        }
        int last = (int) (to / SECOND);
        if (last >= timeline.length) {
            timeline = Arrays.copyOf(timeline, Math.max(last + 1, timeline.length * 2));
        }
        for (long at = from; at < to; ) {
            int second = (int) (at / SECOND);
            long until = Math.min(to, (second + 1) * SECOND);
            timeline[second] += until - at;
            at = until;
        }
    }

    /** Busy time in [from, to) of virtual time, by whole seconds (only known for partitions with a timeline). */
    long busyNanosBetween(long from, long to) {
        long busy = 0;
        for (int second = (int) (from / SECOND); second < Math.min(timeline.length, to / SECOND); second++) {
            busy += timeline[second];
        }
        return busy;
    }

    String resource() {
        return resource;
    }

    String key() {
        return key;
    }

    Limit limit() {
        return limit;
    }

    long busyNanos() {
        return busyNanos;
    }

    double units() {
        return units;
    }

    long requests() {
        return requests;
    }
}
