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
 *                  (null for the other states, and for verifying items written before it existed)
 */
public record PathRecord(NarInfo info, PathState state, String reason, Instant updatedAt, String attempt) {
    public PathRecord {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(updatedAt, "updatedAt");
        if ((state == PathState.REJECTED) != (reason != null)) {
            throw new IllegalArgumentException("a reason is given exactly for rejected paths");
        }
        if (attempt != null && state != PathState.VERIFYING) {
            throw new IllegalArgumentException("only verifying paths carry an attempt");
        }
    }

    /** A record without an attempt: every published or rejected one. */
    public PathRecord(NarInfo info, PathState state, String reason, Instant updatedAt) {
        this(info, state, reason, updatedAt, null);
    }

    public StorePathHash hash() {
        return info.storePath().hash();
    }
}
