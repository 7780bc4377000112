package dev.nixfront.api;

import java.util.List;

/**
 * {@code POST /v1/caches/{cache}/missing}: up to {@value #MAX} store hashes (the 32 nix32 characters
 * of a store path), e.g. {@code {"storeHashes":["0123456789abcdfghijklmnpqrsvwxyz"]}}.
 */
public record MissingRequest(@Required List<String> storeHashes) {
    public static final int MAX = 10_000;

    public MissingRequest {
        storeHashes = Lists.copy(storeHashes);
    }
}
