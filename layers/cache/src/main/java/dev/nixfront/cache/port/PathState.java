package dev.nixfront.cache.port;

import java.util.Locale;

/**
 * Where a store path is in its life. {@link #PUBLISHED} and {@link #COLLECTING} paths have a narinfo
 * object ({@link #DELETING} ones may still have it for a moment); the others record why a path is
 * not (yet) readable.
 */
public enum PathState {
    /** Verified, signed, narinfo written: Nix can substitute it. Never overwritten. */
    PUBLISHED,
    /** Accepted for asynchronous verification; not readable yet. */
    VERIFYING,
    /** Verification failed; the record's reason says why. A later publish may try again. */
    REJECTED,
    /**
     * Published, and chosen by a collection (garbage collection or path deletion) to go: still
     * readable, still counts as published to a referrer, which takes it back to {@link #PUBLISHED}
     * (a push that needs it keeps it alive). The record's attempt names the collection.
     */
    COLLECTING,
    /**
     * Going: its narinfo is being removed, then its item. Nothing may reference it or publish it
     * again until the item is gone (a 409 says to push again). The record's attempt names the
     * collection.
     */
    DELETING;

    /** The lowercase spelling used on the wire and in the table. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PathState fromWire(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }
}
