package dev.nixfront.api;

/**
 * The build log of a published path's deriver, as a client names it in both log routes: the path
 * (the server finds its Deriver in the index and stores the log at {@code <cache>/log/<Deriver
 * basename>}, where {@code nix log} looks), the compressed file and the size of the text in it.
 *
 * <p>The log {@code building logexp\nline two\n} (25 bytes) of the deriver
 * {@code /nix/store/awcb5kdhcrh9n4al36vyb2zr9ryw3pbi-logexp.drv}, compressed by {@code zstd -3}, stored at
 * {@code <cache>/log/awcb5kdhcrh9n4al36vyb2zr9ryw3pbi-logexp.drv}:
 *
 * <pre>{@code
 * {"storePath": "/nix/store/y45as42avv4mada33kfpks8dgwl7ql2j-logexp",
 *  "fileHash": "sha256:16k4bsp6cln23via6yw8q9i30nsqjm2br1cybb1s39bbx6kk1j87", "fileSize": 38,
 *  "compression": "zstd", "size": 25}
 * }</pre>
 *
 * @param fileHash    SHA-256 of the compressed file, what the upload's signed checksum binds
 * @param fileSize    bytes of the compressed file
 * @param compression {@code zstd}, the only one taken: the server keeps the file as uploaded and
 *                    serves it with {@code Content-Encoding: zstd}, which Nix decodes
 * @param size        bytes of the log text once decompressed, which verification checks exactly
 */
public record BuildLog(String storePath, String fileHash, long fileSize, String compression, long size) {
}
