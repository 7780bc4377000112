package dev.nixfront.api;

/** A part the client uploaded, with the ETag header S3 answered. */
public record UploadedPart(int partNumber, String etag) {
}
