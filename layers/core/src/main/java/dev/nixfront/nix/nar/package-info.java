/**
 * NAR, the Nix archive: the canonical serialisation of a file-system tree whose SHA-256 and
 * length a narinfo records as {@code NarHash} and {@code NarSize} (Nix's
 * {@code src/libutil/archive.cc}; the manual's "Nix Archive (NAR) format").
 *
 * <p>Every token is {@code str(s)}: the length as a u64 little-endian, the bytes, then zeros up
 * to a multiple of 8. A file holding {@code "hi\n"} (mode 0444) is this NAR of 120 bytes, SHA-256
 * {@code sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h}:
 *
 * <pre>
 * offset  length (u64 LE)          bytes + padding
 *      0  0d 00 00 00 00 00 00 00  "nix-archive-1" 00 00 00
 *     24  01 00 00 00 00 00 00 00  "(" 00 00 00 00 00 00 00
 *     40  04 00 00 00 00 00 00 00  "type" 00 00 00 00
 *     56  07 00 00 00 00 00 00 00  "regular" 00
 *     72  08 00 00 00 00 00 00 00  "contents"
 *     88  03 00 00 00 00 00 00 00  "hi\n" 00 00 00 00 00      (the file's bytes)
 *    104  01 00 00 00 00 00 00 00  ")" 00 00 00 00 00 00 00
 * </pre>
 *
 * <p>An executable file has {@code "executable" ""} between {@code "regular"} and
 * {@code "contents"}; a symlink is {@code "(" "type" "symlink" "target" <target> ")"}; a
 * directory is {@code "(" "type" "directory"} then, per entry in raw-byte order of the names,
 * {@code "entry" "(" "name" <name> "node" <node> ")"}, then {@code ")"}.
 *
 * <p>{@link dev.nixfront.nix.nar.NarWriter} produces exactly what {@code nix-store --dump} does;
 * {@link dev.nixfront.nix.nar.NarReader} validates a NAR from a stream and yields its
 * {@link dev.nixfront.nix.nar.NarSummary}, both in constant memory.
 */
package dev.nixfront.nix.nar;
