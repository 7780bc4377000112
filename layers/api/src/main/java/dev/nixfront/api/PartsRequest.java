package dev.nixfront.api;

/**
 * {@code POST /v1/caches/{cache}/uploads/parts}: more part URLs of a multipart upload, parts
 * {@code firstPart .. firstPart+count-1} (count at most {@value #MAX}).
 */
public record PartsRequest(String fileHash, long fileSize, String compression, String uploadId, int firstPart, int count) {
    public static final int MAX = 1000;
}
