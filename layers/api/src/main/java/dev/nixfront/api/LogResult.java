package dev.nixfront.api;

/**
 * What publishing one build log did.
 *
 * @param log     the key below the cache where it is served, {@code log/<Deriver basename>}
 * @param outcome {@code written}: verified and stored now; {@code present}: the cache already had a
 *                log for this deriver, which stays (a log, once stored, never changes)
 */
public record LogResult(String storePath, String log, String outcome) {
    public static final String WRITTEN = "written";
    public static final String PRESENT = "present";
}
