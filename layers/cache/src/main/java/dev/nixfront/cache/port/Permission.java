package dev.nixfront.cache.port;

import java.util.Locale;

/**
 * What a token may do. Each level includes the ones before it: admin can write, write can read.
 */
public enum Permission {
    /** Query caches: info, missing, path status. */
    READ,
    /** Upload NARs and publish narinfos. */
    WRITE,
    /** Create and delete caches, manage tokens. */
    ADMIN;

    public boolean includes(Permission other) {
        return compareTo(other) >= 0;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code read|write|admin}; null for anything else. */
    public static Permission fromWire(String text) {
        for (Permission p : values()) {
            if (p.wire().equals(text)) {
                return p;
            }
        }
        return null;
    }
}
