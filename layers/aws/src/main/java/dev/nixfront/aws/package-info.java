/**
 * The AWS adapters of the cache ports ({@code dev.nixfront.cache.port}), built on SDK v2 with the
 * url-connection HTTP client. {@link dev.nixfront.aws.AwsClients} makes each client once from an
 * {@link dev.nixfront.aws.AwsClientConfig}; the local stack points the same adapters at s3proxy and
 * dynalite.
 *
 * <p>The single DynamoDB table ({@link dev.nixfront.aws.DynamoDbTableSchema}: pk/sk strings, gsi1 on
 * gsi1pk/gsi1sk projecting everything, gsi2 on gsi2pk/gsi2sk projecting keys only, on-demand) holds
 * three item types, a note per token under the token that made it, and garbage collection's
 * bookkeeping (roots and usage counters sharded in the partition key, pins one partition per cache):
 * <pre>
 * pk=CACHE#team                                   sk=CACHE  gsi1pk=CACHES       gsi1sk=team
 * pk=PATH#team.3f9a0c1d2b4e5f60#0123456789abcdfghijklmnpqrsvwxyz  sk=PATH  gsi2pk=PATHS#team.3f9a0c1d2b4e5f60#z  gsi2sk=0123456789abcdfghijklmnpqrsvwxyz
 * pk=TOKEN#9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  sk=TOKEN  gsi1pk=TOKENS  gsi1sk=tk_3f9a0c1d2b4e5f60
 * pk=TOKEN#60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752  sk=MADE#9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 * pk=ROOTS#team.3f9a0c1d2b4e5f60#z  sk=0123456789abcdfghijklmnpqrsvwxyz
 * pk=PINS#team.3f9a0c1d2b4e5f60  sk=release
 * pk=USAGE#team.3f9a0c1d2b4e5f60#7  sk=USAGE
 * </pre>
 * Access patterns: get one item (GetItem, strongly consistent), "which of these paths exist"
 * (BatchGetItem, 100 keys per call), create-once and publish-once (PutItem with a condition),
 * listings of caches and tokens (Query on gsi1) and of a cache's paths (32 Queries on gsi2, one per
 * shard: {@link dev.nixfront.aws.PathListing}), the tokens a token made (Query of its partition,
 * strongly consistent). Never Scan, no transactions,
 * no TTL: dynalite has neither, and single-item conditional writes suffice.
 *
 * <p>S3 keys are the URL paths Nix fetches ({@code team/nix-cache-info}, {@code team/<hash>.narinfo},
 * {@code team/nar/<shard>/<FileHash>.nar.zst}); NAR bytes arrive in {@code _staging/team/<shard>/} through presigned
 * requests whose signed {@code content-length} and {@code x-amz-checksum-sha256} S3 enforces, and
 * reach {@code nar/} only by the conditional copy publish makes of what it verified.
 *
 * <p>{@link dev.nixfront.aws.EmfMetrics} writes the metrics port as CloudWatch embedded metric
 * format, one JSON log line each, e.g.
 * <pre>
 * {"_aws":{"Timestamp":1764090000000,"CloudWatchMetrics":[{"Namespace":"nixfront","Dimensions":[["Reason"]],
 *   "Metrics":[{"Name":"PublishRejected","Unit":"Count"}]}]},"Reason":"NarHash","PublishRejected":1.0}
 * </pre>
 *
 * <p>These classes are tested over the wire against s3proxy and dynalite in the nixfront-local
 * module ({@code local/src/test/java/dev/nixfront/aws}), since that module owns the servers.
 */
package dev.nixfront.aws;
