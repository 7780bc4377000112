package dev.nixfront.bench.capacity;

import java.util.Locale;

/**
 * The documented per-partition rates the stand-in enforces, taken cold: no adaptive capacity that
 * would split a hot key, no burst credit saved up beforehand.
 *
 * <ul>
 * <li>DynamoDB: 3,000 RCU and 1,000 WCU a second per partition, and one partition-key value lives
 *     in one partition (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html,
 *     https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/burst-adaptive-capacity.html). A global
 *     secondary index is partitioned on its own partition key with the same limits, and a table write is
 *     throttled while one of its index writes cannot be made
 *     (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/gsi-throttling.html).</li>
 * <li>S3: 3,500 PUT/COPY/POST/DELETE and 5,500 GET/HEAD requests a second per partitioned prefix
 *     (https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html).</li>
 * </ul>
 */
enum Limit {
    DYNAMODB_READ(3_000, "RCU"),
    DYNAMODB_WRITE(1_000, "WCU"),
    S3_READ(5_500, "GET/HEAD"),
    S3_WRITE(3_500, "PUT/COPY/POST/DELETE");

    private final double perSecond;
    private final String unit;

    Limit(double perSecond, String unit) {
        this.perSecond = perSecond;
        this.unit = unit;
    }

    double perSecond() {
        return perSecond;
    }

    String unit() {
        return unit;
    }

    /** How long {@code units} of this limit occupy one partition. */
    long nanos(double units) {
        return Math.round(units * 1e9 / perSecond);
    }

    /** e.g. {@code 1,000 WCU/s}. */
    String rate() {
        return String.format(Locale.ROOT, "%,.0f %s/s", perSecond, unit);
    }
}
