package dev.nixfront.api;

/**
 * One compressed NAR the client wants to upload:
 * {@code {"fileHash":"sha256:1xmr8j...","fileSize":120,"compression":"zstd"}}.
 */
public record NarUpload(String fileHash, long fileSize, String compression) {
}
