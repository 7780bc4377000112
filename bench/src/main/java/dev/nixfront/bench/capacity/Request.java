package dev.nixfront.bench.capacity;

import java.util.List;

/**
 * One request as the AWS adapter would send it: to which service, under which name in the report,
 * how long it takes when nothing throttles it, and what it asks of each partition it touches.
 */
record Request(Service service, String operation, long latencyNanos, List<Demand> demands) {
    enum Service { DYNAMODB, S3, LAMBDA }

    Request {
        demands = List.copyOf(demands);
    }
}
