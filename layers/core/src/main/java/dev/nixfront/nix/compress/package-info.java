/**
 * Compression of NAR files as a narinfo names it in {@code Compression:} (Nix's
 * {@code src/libutil/compression.cc}): the file at {@code URL} is the NAR passed through that
 * compressor, and {@code FileHash}/{@code FileSize} describe the compressed bytes. The 120-byte
 * NAR of a file holding {@code "hi\n"} (see {@link dev.nixfront.nix.nar}) compressed with zstd at
 * the default level 3 is 92 bytes, the same bytes {@code zstd -3} writes, and its narinfo reads
 *
 * <pre>
 * URL: nar/1xpfn1wbb9pvkj0pci1j43263x670m3awb1hmdn8cg82k5i25aws.nar.zst
 * Compression: zstd
 * FileHash: sha256:1xpfn1wbb9pvkj0pci1j43263x670m3awb1hmdn8cg82k5i25aws
 * FileSize: 92
 * NarHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h
 * NarSize: 120
 * </pre>
 *
 * With xz at the default preset 6 the same NAR is 124 bytes (FileHash
 * {@code sha256:09kxyd68d2nylk7ims23pj3i09s4nnv9p3dv6iij1q9canv42w6d}): xz's headers and index
 * outweigh the gain on tiny inputs.
 *
 * <p>The compressed bytes start with the format's magic: {@code 28 b5 2f fd} for zstd,
 * {@code fd 37 7a 58 5a 00} for xz. {@link dev.nixfront.nix.compress.CompressionStreams} reads and
 * writes {@code none}, {@code xz} and {@code zstd} in bounded memory.
 */
package dev.nixfront.nix.compress;
