/**
 * Benchmark mains, run by hand and never by the test suite; their results live in
 * {@code docs/performance.md} with the command that reproduces them. {@link
 * dev.nixfront.bench.FormatsBenchmark} prints, for a synthetic closure-like tree, lines such as
 *
 * <pre>
 * | NAR + SHA-256, nixfront NarWriter.hash       | 1,073,809,512 | 1.21 s | 887 MB/s |
 * | NAR + SHA-256, nix-store --dump | sha256sum  | 1,073,809,512 | 1.83 s | 586 MB/s |
 * </pre>
 *
 * and checks that both sides computed the same NarHash before it reports anything.
 */
package dev.nixfront.bench;
