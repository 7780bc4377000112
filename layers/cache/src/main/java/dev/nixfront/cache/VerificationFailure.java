package dev.nixfront.cache;

/**
 * A NAR that does not match its narinfo, or is not a NAR. Checked, so every caller decides whether
 * it becomes a 422 (inline) or a rejected path record (async).
 *
 * @see NarVerifier
 */
final class VerificationFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String reason;
    private final String metricReason;

    /**
     * @param field        the PathInfo field that does not hold: fileHash, fileSize, narHash, narSize,
     *                     compression or nar (the archive itself)
     * @param metricReason the {@code Reason} dimension of the PublishRejected metric
     */
    VerificationFailure(String field, String reason, String metricReason) {
        super(field + ": " + reason);
        this.field = field;
        this.reason = reason;
        this.metricReason = metricReason;
    }

    String field() {
        return field;
    }

    String reason() {
        return reason;
    }

    String metricReason() {
        return metricReason;
    }
}
