package dev.nixfront.api;

import java.util.List;

/**
 * {@code POST /v1/caches/{cache}/removals}: remove published paths now, e.g.
 * {@code {"paths":["/nix/store/0c6kzph7l0dcbqmh0kcms1rcb0d1k5xs-b-1.0"],"recursive":false}}.
 * Refused (409 naming them) while a path the removal does not take references one of them, unless
 * {@code recursive}, which removes those referrers too (and theirs); refused for a pinned path
 * either way. Their narinfos go at once, their NARs after the cache's grace, as a collection's do.
 * Answered by a {@link GcStatus}.
 *
 * @param paths     1 to {@value #MAX} store paths, published in the cache
 * @param recursive also remove every path that references one of them, transitively
 * @param dryRun    only report what would go; null counts as false
 */
public record RemovePathsRequest(@Required List<String> paths, Boolean recursive, Boolean dryRun) {
    /** So that a job naming them (up to ~250 bytes each) stays well under Lambda's 256 KB async payload. */
    public static final int MAX = 500;

    public RemovePathsRequest {
        paths = Lists.copy(paths);
    }

    public boolean recursively() {
        return Boolean.TRUE.equals(recursive);
    }

    public boolean dry() {
        return Boolean.TRUE.equals(dryRun);
    }
}
