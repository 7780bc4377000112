/**
 * Compression of NAR files as a narinfo names it in {@code Compression:} (Nix's
 * {@code src/libutil/compression.cc}): the file at {@code URL} is the NAR passed through that
 * compressor, and {@code FileHash}/{@code FileSize} describe the compressed bytes. The 120-byte
 * NAR of a file holding {@code "hi\n"} (see {@link dev.nixfront.nix.nar}) stored with zstd gives
 *
 * <pre>
 * URL: nar/&lt;nix32 of FileHash&gt;.nar.zst
 * Compression: zstd
 * FileHash: sha256:&lt;SHA-256 of the .nar.zst bytes&gt;
 * FileSize: &lt;length of the .nar.zst&gt;
 * NarHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h
 * NarSize: 120
 * </pre>
 *
 * <p>The compressed bytes start with the format's magic: {@code 28 b5 2f fd} for zstd,
 * {@code fd 37 7a 58 5a 00} for xz. {@link dev.nixfront.nix.compress.CompressionStreams} reads and
 * writes {@code none}, {@code xz} and {@code zstd} in bounded memory.
 */
package dev.nixfront.nix.compress;
