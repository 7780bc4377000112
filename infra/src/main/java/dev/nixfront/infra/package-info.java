/**
 * The AWS side of nixfront in CDK for Java: an {@link dev.nixfront.infra.NixfrontApp app}, its stacks,
 * and constructs that each take {@code (scope, id, props)} with a props record.
 *
 * <p>A deployment is configured through CDK context, on the command line or in {@code cdk.json}
 * (see {@link dev.nixfront.infra.DeploymentConfig} for every key and its default), for example:
 *
 * <pre>
 * cdk deploy --all \
 *     -c nixfront:domainName=cache.example.org \
 *     -c nixfront:certificateArn=arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-... \
 *     -c nixfront:webAcl=true \
 *     -c nixfront:priceClass=PriceClass_All \
 *     -c nixfront:notFoundTtlSeconds=5 \
 *     -c nixfront:stagingExpirationDays=7 \
 *     -c nixfront:alarmEmail=ops@example.org
 * </pre>
 *
 * <p>The resulting layout in S3, served as-is by CloudFront at {@code <CacheUrl>/<key>}:
 *
 * <pre>
 * my-cache/nix-cache-info                                   StoreDir: /nix/store ...
 * my-cache/0c2kb1dnpvhm3pd4m3dpph5j4y7k3xaa.narinfo         StorePath: /nix/store/0c2kb1dn...-hello-2.12.1 ...
 * my-cache/nar/1w1fff338fvdw53sqgamddn1b2xgds473pv6y13gizdbqjv4i5p3.nar.xz   (immutable; written by publish only)
 * _staging/my-cache/1w1fff338fvdw53sqgamddn1b2xgds473pv6y13gizdbqjv4i5p3.nar.xz
 *                                                           (every upload until publish verifies and copies it:
 *                                                           never served, the bucket policy denies CloudFront;
 *                                                           deleted after nixfront:stagingExpirationDays, 7)
 * </pre>
 */
package dev.nixfront.infra;
