/**
 * Benchmark mains, run by hand and never by the test suite; their results live in
 * {@code docs/performance.md} with the command that reproduces them.
 * {@link dev.nixfront.bench.FormatsBenchmark} prints, for a synthetic closure-like tree of 1 GiB,
 * markdown rows (seconds, MB/s) such as
 *
 * <pre>
 * | NAR + SHA-256, nixfront `NarWriter.hash(path)` | 1.91 | 569 |
 * | NAR + SHA-256, `nix-store --dump PATH \| sha256sum` | 4.74 | 230 |
 * </pre>
 *
 * and checks that both sides computed the same NarHash before it reports anything.
 */
package dev.nixfront.bench;
