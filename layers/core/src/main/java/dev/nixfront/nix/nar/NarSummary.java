package dev.nixfront.nix.nar;

import dev.nixfront.nix.Hash;
import java.util.Objects;

/** What a narinfo says about a NAR: the SHA-256 and the length of its uncompressed bytes. */
public record NarSummary(Hash narHash, long narSize) {
    public NarSummary {
        Objects.requireNonNull(narHash, "narHash");
        if (narSize < 0) {
            throw new IllegalArgumentException("narSize must not be negative: " + narSize);
        }
    }
}
