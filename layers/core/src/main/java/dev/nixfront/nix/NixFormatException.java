package dev.nixfront.nix;

import java.util.Objects;

/**
 * Input that does not follow a Nix format. Checked on purpose: every parser of untrusted bytes
 * declares it, so garbage becomes a precise error (which field, and why) instead of a stray
 * unchecked exception. The API turns it into a 400 with the same field and reason.
 */
public final class NixFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String reason;

    public NixFormatException(String field, String reason) {
        super(Objects.requireNonNull(field) + ": " + Objects.requireNonNull(reason));
        this.field = field;
        this.reason = reason;
    }

    /** The field, line or token that is wrong, e.g. {@code NarHash} or {@code nar.entry.name}. */
    public String field() {
        return field;
    }

    /** What is wrong with it, in words a user can act on. */
    public String reason() {
        return reason;
    }
}
