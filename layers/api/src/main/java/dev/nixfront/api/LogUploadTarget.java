package dev.nixfront.api;

/**
 * Where one build log goes. {@code present: true}: the cache has a log for this deriver already
 * (Nix gets it), skip it; otherwise {@code put} is a presigned PUT of exactly the file named, to a
 * staging key that is never served.
 *
 * @param log the key below the cache where the log is served, {@code log/<Deriver basename>}
 */
public record LogUploadTarget(String storePath, String log, boolean present, SignedRequest put) {
}
