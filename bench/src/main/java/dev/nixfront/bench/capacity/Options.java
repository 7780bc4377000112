package dev.nixfront.bench.capacity;

import java.nio.file.Path;

/**
 * The command line: how much to push, by how many clients (which start together, or spread evenly
 * over {@code --ramp-s} seconds, as clients that do not all begin at one instant), and how long a
 * request takes when nothing throttles it (a DynamoDB call, an S3 call, the client's PUT of a tiny
 * NAR, Lambda's asynchronous Invoke).
 */
record Options(int paths, int workers, int closure, boolean limits, long seed, double rampSeconds, double dynamoDbMs, double s3Ms,
               double putMs, double invokeMs, Path json) {
    static final String USAGE = "usage: [--paths 60000] [--workers 600] [--closure 200] [--no-limits] [--seed 1] [--ramp-s 0]"
            + " [--dynamodb-ms 5] [--s3-ms 20] [--put-ms 20] [--invoke-ms 20] [--json FILE]";

    static Options parse(String[] args) {
        int paths = 60_000;
        int workers = 600;
        int closure = 200;
        boolean limits = true;
        long seed = 1;
        double ramp = 0;
        double dynamoDb = 5;
        double s3 = 20;
        double put = 20;
        double invoke = 20;
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--paths" -> paths = Integer.parseInt(value(args, ++i));
                case "--workers" -> workers = Integer.parseInt(value(args, ++i));
                case "--closure" -> closure = Integer.parseInt(value(args, ++i));
                case "--no-limits" -> limits = false;
                case "--seed" -> seed = Long.parseLong(value(args, ++i));
                case "--ramp-s" -> ramp = Double.parseDouble(value(args, ++i));
                case "--dynamodb-ms" -> dynamoDb = Double.parseDouble(value(args, ++i));
                case "--s3-ms" -> s3 = Double.parseDouble(value(args, ++i));
                case "--put-ms" -> put = Double.parseDouble(value(args, ++i));
                case "--invoke-ms" -> invoke = Double.parseDouble(value(args, ++i));
                case "--json" -> json = Path.of(value(args, ++i));
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; " + USAGE);
            }
        }
        if (paths < 1 || workers < 1 || closure < 1 || closure > 200 || ramp < 0) {
            throw new IllegalArgumentException("--paths and --workers must be positive, --closure 1..200 (one publish request),"
                    + " --ramp-s not negative; " + USAGE);
        }
        return new Options(paths, workers, closure, limits, seed, ramp, dynamoDb, s3, put, invoke, json);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value; " + USAGE);
        }
        return args[i];
    }

    static long nanos(double millis) {
        return Math.round(millis * 1e6);
    }
}
