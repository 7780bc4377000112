package dev.nixfront.api;

/**
 * Where one NAR goes. {@code present: true}: the cache already has this exact file, skip it. Otherwise
 * exactly one of {@code put} (single PUT) and {@code multipart} is set.
 *
 * @param key the object key the server chose: where the upload goes,
 *            {@code _staging/<cache>/<shard>/<FileHash nix32>.nar<ext>}, which publish verifies and copies to
 *            {@code <cache>/nar/<shard>/<FileHash nix32>.nar<ext>}; for a present file, that NAR key
 */
public record UploadTarget(String fileHash, String key, boolean present, SignedRequest put, MultipartUpload multipart) {
}
