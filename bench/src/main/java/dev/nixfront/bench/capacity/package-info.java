/**
 * A capacity simulation of one cache: how many store paths a second it takes when many clients push
 * into it at once, held to DynamoDB's and S3's documented per-partition rates (see {@link
 * dev.nixfront.bench.capacity.Limit} for the figures and their pages).
 * {@link dev.nixfront.bench.capacity.CapacityBenchmark} runs the real services ({@code
 * Services.create}: {@code missing}, upload targets, {@code publish}, status, and the verify function
 * that publish hands deferred paths to) on the domain's in-memory fakes, each wrapped in a decorator
 * of the same port that turns the call into the requests the AWS adapter sends for it and charges
 * them to partitions, by rules of its own (an item's size, read and write units, index writes), on
 * the adapters' own items and keys ({@code DynamoDbPathIndex.item}/{@code pk},
 * {@code DynamoDbCacheRepository.item}/{@code pk}) and the table's own indexes
 * ({@code DynamoDbTableSchema.createTableRequest}). So a change of the key design shows in the next
 * run by itself; a change in which requests an adapter makes for a port call has to be mirrored in
 * its decorator by hand.
 *
 * <p>One request as the report's operation {@code PutItem path (published)} meters it: the verify
 * function publishes {@code /nix/store/pbrnmdh20hxk10lb5gqkxlzb90qniygp-rustc-wrapper-3.27.16-man}
 * (five references, a deriver, one signature) over its {@code verifying} item:
 *
 * <pre>
 * PutItem pk=PATH#team.3f9a0c1d2b4e5f60#pbrnmdh20hxk10lb5gqkxlzb90qniygp sk=PATH   item 980 bytes, was 923
 *   table PATH#team.3f9a0c1d2b4e5f60#pbrnmdh20hxk10lb5gqkxlzb90qniygp   ceil(max(980, 923) / 1024) = 1 WCU of 1,000/s
 *   gsi1  PATHS#team.3f9a0c1d2b4e5f60 (projection ALL: the whole item)   ceil((980 + 100) / 1024)   = 2 WCU of 1,000/s
 * </pre>
 *
 * Issued at virtual time t, it ends at the latest of t + 5 ms (the DynamoDB latency) and the end of
 * its slot on each partition: 1 ms on the path's own partition, 2 ms on gsi1's, after everything
 * queued there before it. Every path of the cache writes that one gsi1 partition, once published
 * and once more if publish left it {@code verifying} (most, once gsi1 is saturated and publish's
 * 20 s go by in waiting), so at 2.8 to 3 WCU a path it admits 330 to 350 paths a second, whatever
 * else scales.
 *
 * <p>Time is virtual: each partition is a fluid queue (a request of u units occupies it u / rate,
 * which stands for throttling and the SDK's retries), and the clients and Lambda invocations are
 * virtual threads in strict lock-step, so requests reach the partitions in order of their start
 * time; a fan-out inside a service (the upload lookups) waits for the turn request by request too.
 * Left out: token checks (cached per container in production),
 * KMS (once per container), Lambda's CPU time, its concurrency limit, and any timeout: a request
 * waits for its partition however long that takes. Cold limits: no adaptive capacity splitting a hot
 * key, no burst credit, no S3 prefix splitting.
 */
package dev.nixfront.bench.capacity;
