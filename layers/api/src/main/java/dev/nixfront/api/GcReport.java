package dev.nixfront.api;

import java.time.Instant;
import java.util.List;

/**
 * What a garbage collection removed, or with {@code dryRun} would remove, and why:
 * <pre>
 * {"cache":"team","dryRun":true,"at":"2026-12-01T02:00:00Z","retention":"30d","narGrace":"30d",
 *  "pathsKept":120,"bytesKept":3400000,"pathsCollected":2,"bytesCollected":81000,
 *  "narsDeleted":0,"narsDoomed":2,"logsDeleted":1,
 *  "paths":[{"storePath":"/nix/store/0c6kzph7l0dcbqmh0kcms1rcb0d1k5xs-b-1.0","fileSize":40500,
 *            "reason":"not in the closure of a pin or of a root pushed since 2026-11-01T02:00:00Z"}],
 *  "nars":[{"key":"team/nar/m/1xmr...m.nar.zst","action":"doom","deleteAfter":"2026-12-31T02:00:00Z",
 *           "reason":"no narinfo of the cache names it"}]}
 * </pre>
 * {@code paths} and {@code nars} list at most {@link #MAX_LISTED} entries each; the counts count them all.
 *
 * @param pathsCollected published paths removed (narinfo and index item), or that would be
 * @param narsDeleted    NAR objects removed, their grace being over
 * @param narsDoomed     NAR objects no narinfo names any more, kept until their grace is over
 * @param logsDeleted    build logs removed (or that would be), their deriver named by no path the
 *                       cache keeps; null in a report stored before build logs existed
 */
public record GcReport(String cache, boolean dryRun, Instant at, String retention, Long maxSize, String narGrace,
                       int pathsKept, long bytesKept, int pathsCollected, long bytesCollected, int narsDeleted, int narsDoomed,
                       List<GcPath> paths, List<GcNar> nars, String note, Integer logsDeleted) {
    /** The most entries {@code paths} and {@code nars} list, so the answer stays small whatever the cache. */
    public static final int MAX_LISTED = 1000;

    public GcReport {
        paths = Lists.copy(paths);
        nars = Lists.copy(nars);
    }

    /** The same report with {@code paths} and {@code nars} cut to their first {@code max} entries (the counts unchanged). */
    public GcReport listingAtMost(int max) {
        if (paths.size() <= max && nars.size() <= max) {
            return this;
        }
        return new GcReport(cache, dryRun, at, retention, maxSize, narGrace, pathsKept, bytesKept, pathsCollected,
                bytesCollected, narsDeleted, narsDoomed, paths.subList(0, Math.min(max, paths.size())),
                nars.subList(0, Math.min(max, nars.size())), note, logsDeleted);
    }

    /**
     * A path collected, or to be.
     *
     * @param reason why nothing keeps it
     */
    public record GcPath(String storePath, long fileSize, String reason) {}

    /**
     * A NAR object no narinfo names.
     *
     * @param action      {@code delete} (its grace is over: removed now) or {@code doom} (kept until
     *                    {@code deleteAfter}: a client may still hold a narinfo naming it)
     * @param deleteAfter when its grace ends
     */
    public record GcNar(String key, String action, Instant deleteAfter, String reason) {}
}
