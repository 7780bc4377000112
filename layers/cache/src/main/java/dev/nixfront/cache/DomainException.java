package dev.nixfront.cache;

import dev.nixfront.api.ApiError;
import java.util.List;
import java.util.Objects;

/**
 * A request the domain refuses, with what the client needs to fix it: the kind (which maps to one
 * HTTP status), the field at fault and the reason. Handlers turn it into an {@link ApiError} body;
 * nothing else about the request is echoed back.
 */
public final class DomainException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The kinds of refusal, each with its HTTP status and the stable {@code error} code. */
    public enum Kind {
        INVALID(400, "invalid"),
        UNAUTHENTICATED(401, "unauthenticated"),
        FORBIDDEN(403, "forbidden"),
        NOT_FOUND(404, "not_found"),
        CONFLICT(409, "conflict"),
        TOO_MANY(413, "too_many"),
        VERIFICATION_FAILED(422, "verification_failed");

        private final int status;
        private final String code;

        Kind(int status, String code) {
            this.status = status;
            this.code = code;
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }
    }

    private final Kind kind;
    private final String field;
    private final String reason;
    private final transient List<String> missing;
    private final int missingCount;
    private final String detail;

    public DomainException(Kind kind, String field, String reason) {
        this(kind, field, reason, null, 0);
    }

    private DomainException(Kind kind, String field, String reason, String detail) {
        this(kind, field, reason, null, 0, Objects.requireNonNull(detail));
    }

    /**
     * @param missing      basenames of missing references, at most {@link ApiError#MAX_MISSING}; or null
     * @param missingCount how many references are missing in all (at least {@code missing.size()})
     */
    public DomainException(Kind kind, String field, String reason, List<String> missing, int missingCount) {
        this(kind, field, reason, missing, missingCount, null);
    }

    private DomainException(Kind kind, String field, String reason, List<String> missing, int missingCount, String detail) {
        super(kind.code() + (field == null ? "" : " " + field) + ": " + reason);
        this.detail = detail;
        this.kind = Objects.requireNonNull(kind);
        this.field = field;
        this.reason = Objects.requireNonNull(reason);
        this.missing = missing == null ? null : List.copyOf(missing);
        if (this.missing != null && (this.missing.size() > ApiError.MAX_MISSING || missingCount < this.missing.size())) {
            throw new IllegalArgumentException("at most " + ApiError.MAX_MISSING + " missing references are named, and"
                    + " the count covers them");
        }
        this.missingCount = this.missing == null ? 0 : missingCount;
    }

    public static DomainException invalid(String field, String reason) {
        return new DomainException(Kind.INVALID, field, reason);
    }

    public static DomainException unauthenticated(String reason) {
        return new DomainException(Kind.UNAUTHENTICATED, "Authorization", reason);
    }

    /**
     * A 401 that tells the client only {@code reason}, where saying why would tell an unauthenticated
     * caller something (which caches trust an issuer, say); {@code detail}, the specific why, is for
     * the function log alone ({@link #detail()}), and must hold no secret.
     */
    public static DomainException unauthenticated(String field, String reason, String detail) {
        return new DomainException(Kind.UNAUTHENTICATED, field, reason, detail);
    }

    public static DomainException forbidden(String field, String reason) {
        return new DomainException(Kind.FORBIDDEN, field, reason);
    }

    public static DomainException notFound(String field, String reason) {
        return new DomainException(Kind.NOT_FOUND, field, reason);
    }

    public static DomainException conflict(String field, String reason) {
        return new DomainException(Kind.CONFLICT, field, reason);
    }

    public static DomainException tooMany(String field, String reason) {
        return new DomainException(Kind.TOO_MANY, field, reason);
    }

    public Kind kind() {
        return kind;
    }

    public int status() {
        return kind.status();
    }

    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }

    /** Why, for the function log only, when the answer keeps it from the client; null otherwise. */
    public String detail() {
        return detail;
    }

    /** Basenames of the first missing references, for a 409 on publish; null otherwise. */
    public List<String> missing() {
        return missing;
    }

    /** How many references are missing in all; 0 when {@link #missing()} is null. */
    public int missingCount() {
        return missingCount;
    }

    public ApiError toApiError() {
        return new ApiError(kind.code(), field, reason, missing, missing == null ? null : missingCount);
    }
}
