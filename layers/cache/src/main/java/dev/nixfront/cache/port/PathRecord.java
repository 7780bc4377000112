package dev.nixfront.cache.port;

import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePathHash;
import java.time.Instant;
import java.util.Objects;

/**
 * The index entry of one store path in one cache. {@code info} is the full, validated narinfo
 * (server-built URL; signatures only once published). The table stores its fields as attributes
 * ({@code storePath, narHash, narSize, fileHash, fileSize, compression, references, deriver, ca,
 * sigs}) so the item can be read without the narinfo object.
 *
 * @param reason    why a path was rejected; null otherwise
 * @param updatedAt when this state was reached ({@code publishedAt} for published paths)
 * @param attempt   for a verifying path: the publish request that wrote it, so that a rejection
 *                  replaces only the verifying record it examined and never another request's
 *                  (null for verifying items written before it existed); for a collecting or
 *                  deleting path: the collection that marked it, so that only that collection
 *                  moves it on; null for the other states
 */
public record PathRecord(NarInfo info, PathState state, String reason, Instant updatedAt, String attempt) {
    public PathRecord {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(updatedAt, "updatedAt");
        if ((state == PathState.REJECTED) != (reason != null)) {
            throw new IllegalArgumentException("a reason is given exactly for rejected paths");
        }
        boolean collected = state == PathState.COLLECTING || state == PathState.DELETING;
        if (attempt != null && state != PathState.VERIFYING && !collected) {
            throw new IllegalArgumentException("only verifying, collecting and deleting paths carry an attempt");
        }
        if (collected && attempt == null) {
            throw new IllegalArgumentException("a collecting or deleting path names its collection");
        }
    }

    /** A record without an attempt: every published or rejected one. */
    public PathRecord(NarInfo info, PathState state, String reason, Instant updatedAt) {
        this(info, state, reason, updatedAt, null);
    }

    /**
     * Whether Nix can read it and a referrer may count on it: published, or collecting (which a
     * referrer takes back to published).
     */
    public boolean readable() {
        return state == PathState.PUBLISHED || state == PathState.COLLECTING;
    }

    public StorePathHash hash() {
        return info.storePath().hash();
    }
}
