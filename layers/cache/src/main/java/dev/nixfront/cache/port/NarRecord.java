package dev.nixfront.cache.port;

import dev.nixfront.nix.StorePathHash;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * The record of one NAR object ({@link NarRegistry}).
 *
 * @param narKey    the object key
 * @param users     the store paths whose narinfo names it (or is about to)
 * @param claimedAt the last claim; null if none was recorded
 * @param doomedAt  since when nothing uses it; null while something does
 * @param deleting  the collection deleting it; null otherwise
 */
public record NarRecord(String narKey, Set<StorePathHash> users, Instant claimedAt, Instant doomedAt, String deleting) {
    public NarRecord {
        Objects.requireNonNull(narKey, "narKey");
        users = Set.copyOf(users);
    }
}
