package dev.nixfront.cache.port;

import java.util.Locale;

/**
 * Where a store path is in its life. Only {@link #PUBLISHED} paths have a narinfo object; the others
 * record why a path is not (yet) readable.
 */
public enum PathState {
    /** Verified, signed, narinfo written: Nix can substitute it. Never overwritten. */
    PUBLISHED,
    /** Accepted for asynchronous verification; not readable yet. */
    VERIFYING,
    /** Verification failed; the record's reason says why. A later publish may try again. */
    REJECTED;

    /** The lowercase spelling used on the wire and in the table. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PathState fromWire(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }
}
