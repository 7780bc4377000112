package dev.nixfront.api;

/**
 * Where one NAR goes. {@code present: true}: the cache already has this exact file, skip it. Otherwise
 * exactly one of {@code put} (single PUT) and {@code multipart} is set.
 *
 * @param key the object key the server chose, {@code <cache>/nar/<FileHash nix32>.nar<ext>}
 */
public record UploadTarget(String fileHash, String key, boolean present, SignedRequest put, MultipartUpload multipart) {
}
