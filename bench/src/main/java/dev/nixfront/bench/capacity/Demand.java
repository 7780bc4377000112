package dev.nixfront.bench.capacity;

/**
 * What one request asks of one partition: {@code units} of {@code limit} on the partition
 * {@code key} of {@code resource} ({@code table}, an index name such as {@code gsi1}, or
 * {@code bucket}, where the key is an S3 prefix).
 */
record Demand(String resource, String key, Limit limit, double units) {
    static final String BUCKET = "bucket";

    /** The column of the report this demand adds to, e.g. {@code WCU gsi1} or {@code S3 writes}. */
    String column() {
        return switch (limit) {
            case DYNAMODB_READ -> "RCU " + resource;
            case DYNAMODB_WRITE -> "WCU " + resource;
            case S3_READ -> "S3 reads";
            case S3_WRITE -> "S3 writes";
        };
    }

    /** One S3 read (GET, HEAD, the source of a COPY) of {@code key}, on its prefix. */
    static Demand s3Read(String key) {
        return new Demand(BUCKET, prefix(key), Limit.S3_READ, 1);
    }

    /** One S3 write (PUT, the target of a COPY, DELETE, a multipart call) of {@code key}, on its prefix. */
    static Demand s3Write(String key) {
        return new Demand(BUCKET, prefix(key), Limit.S3_WRITE, 1);
    }

    /** The key up to and including its last '/': the partition the stand-in charges (S3 scales per prefix). */
    static String prefix(String key) {
        return key.substring(0, key.lastIndexOf('/') + 1);
    }
}
