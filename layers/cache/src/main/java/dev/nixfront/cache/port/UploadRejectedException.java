package dev.nixfront.cache.port;

/**
 * The object store refused to complete a multipart upload because of what the client sent: an
 * unknown upload id (NoSuchUpload), parts that do not match what was uploaded (InvalidPart,
 * InvalidPartOrder) or parts too small (EntityTooSmall). The API answers 400, not 500.
 */
public final class UploadRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UploadRejectedException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
