package dev.nixfront.cli.push;

import dev.nixfront.nix.Hash;
import dev.nixfront.nix.StorePath;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the local Nix store says about a valid path: the facts a narinfo repeats, and that the
 * NAR serialised here must reproduce before anything is uploaded.
 *
 * @param deriver the deriver, or null when Nix does not know it
 * @param ca      the content address ({@code fixed:r:sha256:…}), or null for input-addressed paths
 */
record LocalPath(StorePath path, Hash narHash, long narSize, List<StorePath> references, StorePath deriver, String ca) {
    LocalPath {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(narHash, "narHash");
        references = List.copyOf(references);
        if (narSize <= 0) {
            throw new IllegalArgumentException(path + ": NarSize must be positive");
        }
    }

    Optional<StorePath> deriverPath() {
        return Optional.ofNullable(deriver);
    }

    Optional<String> contentAddress() {
        return Optional.ofNullable(ca);
    }
}
