/**
 * Pass-through streams that hash while they copy, so a NAR or a compressed file is read or
 * written once and its narinfo fields come for free. For a 120-byte NAR uploaded zstd-compressed,
 * a {@link dev.nixfront.nix.io.HashingOutputStream} under the compressor gives
 * {@code FileHash}/{@code FileSize} of the compressed bytes, and one above it gives
 * {@code NarHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h} and
 * {@code NarSize: 120}:
 *
 * <pre>{@code
 * try (var file = new HashingOutputStream(Files.newOutputStream(target));
 *      var zstd = CompressionStreams.compress(Compression.ZSTD, file, -1);
 *      var nar = new HashingOutputStream(zstd)) {
 *     NarWriter.dump(path, nar);
 *     ... nar.hash(), nar.count() are NarHash, NarSize; after close, file.hash(), file.count()
 * }
 * }</pre>
 */
package dev.nixfront.nix.io;
