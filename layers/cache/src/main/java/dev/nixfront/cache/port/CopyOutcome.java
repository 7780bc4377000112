package dev.nixfront.cache.port;

/** What {@link ObjectStore#copyIfMatch} did. Only {@link #COPIED} wrote anything. */
public enum CopyOutcome {
    /** The target now holds the source's bytes with exactly the headers the copy named. */
    COPIED,
    /**
     * The target key was taken (by a concurrent or earlier copy), so nothing was written: a
     * written object is never replaced.
     */
    TARGET_EXISTS,
    /** The source has another ETag now, or is gone, so nothing was written. */
    SOURCE_CHANGED
}
