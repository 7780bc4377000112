package dev.nixfront.api;

import java.util.List;

/**
 * {@code POST /v1/caches/{cache}/roots}: the store paths a push was given on its command line (1 to
 * {@value #MAX}), e.g. {@code {"roots":["/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello-2.12"]}}.
 * Those published in the cache are recorded as pushed now; garbage collection keeps what a root
 * pushed within the cache's retention refers to.
 */
public record RootsRequest(@Required List<String> roots) {
    public static final int MAX = 1_000;

    public RootsRequest {
        roots = Lists.copy(roots);
    }
}
