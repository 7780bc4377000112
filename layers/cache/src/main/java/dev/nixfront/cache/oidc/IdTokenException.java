package dev.nixfront.cache.oidc;

/**
 * An ID token refused: the part at fault ({@code idToken}, {@code idToken.aud}, ...) and why, and
 * whether the token was not even well formed (a 400 rather than a 401).
 */
public final class IdTokenException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final boolean malformed;

    IdTokenException(String field, String reason, boolean malformed) {
        super(reason);
        this.field = field;
        this.malformed = malformed;
    }

    static IdTokenException malformed(String field, String reason) {
        return new IdTokenException(field, reason, true);
    }

    static IdTokenException refused(String field, String reason) {
        return new IdTokenException(field, reason, false);
    }

    public String field() {
        return field;
    }

    public boolean malformed() {
        return malformed;
    }
}
