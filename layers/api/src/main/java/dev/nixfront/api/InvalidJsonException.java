package dev.nixfront.api;

import java.util.Objects;

/** A body that is not JSON or does not fit the expected record; the API answers 400 with these. */
public final class InvalidJsonException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String reason;

    /**
     * @param field the JSON path at fault; null (or {@value Json#BODY}) for the body as a whole
     */
    public InvalidJsonException(String field, String reason) {
        super((field == null ? Json.BODY : field) + ": " + Objects.requireNonNull(reason));
        this.field = field == null ? Json.BODY : field;
        this.reason = reason;
    }

    /** The JSON path at fault, e.g. {@code paths[3].narSize}, or {@value Json#BODY} for the body as a whole. */
    public String field() {
        return field;
    }

    public String reason() {
        return reason;
    }
}
