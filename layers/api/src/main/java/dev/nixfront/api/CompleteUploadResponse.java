package dev.nixfront.api;

/** The staging key the completed upload landed at. */
public record CompleteUploadResponse(String key) {
}
