package dev.nixfront.bench.capacity;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The services' clock: the calling execution's virtual time, so the inline-verification budget,
 * deadlines and upload expiries all see simulated time rather than the machine's.
 */
final class VirtualClock extends Clock {
    private final Scheduler scheduler;
    private final Instant start;

    VirtualClock(Scheduler scheduler, Instant start) {
        this.scheduler = scheduler;
        this.start = start;
    }

    @Override
    public Instant instant() {
        return start.plusNanos(scheduler.now());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (!zone.equals(ZoneOffset.UTC)) {
            throw new UnsupportedOperationException("the virtual clock runs in UTC");
        }
        return this;
    }
}
