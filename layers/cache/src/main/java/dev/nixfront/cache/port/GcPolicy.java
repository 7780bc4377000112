package dev.nixfront.cache.port;

import java.time.Duration;

/**
 * What garbage collection keeps of a cache. Live: the closures of its pins, and of the roots pushed
 * within {@code retention}; with {@code maxSize}, beyond that size the least recently pushed roots'
 * closures go first. A NAR object outlives the last narinfo that named it by {@code narGrace}, since
 * a client may still hold that narinfo (Nix caches one for up to 30 days) and a NAR 404 fails its
 * substitution.
 *
 * @param retention how long a pushed root keeps its closure; null keeps everything (no collection)
 * @param maxSize   the most NAR bytes to keep, or null for no limit
 * @param narGrace  how long a NAR outlives its last narinfo; null for {@link #DEFAULT_NAR_GRACE}
 */
public record GcPolicy(Duration retention, Long maxSize, Duration narGrace) {
    /** Nix's default narinfo-cache-positive-ttl: a client may hold a narinfo this long. */
    public static final Duration DEFAULT_NAR_GRACE = Duration.ofDays(30);
    /** Keep everything: no retention, no size limit, the default grace. */
    public static final GcPolicy KEEP_ALL = new GcPolicy(null, null, null);

    public GcPolicy {
        if (retention != null && retention.isNegative()) {
            throw new IllegalArgumentException("retention must not be negative");
        }
        if (maxSize != null && maxSize < 1) {
            throw new IllegalArgumentException("maxSize must be positive");
        }
        if (narGrace != null && narGrace.isNegative()) {
            throw new IllegalArgumentException("narGrace must not be negative");
        }
    }

    /** The grace period in force. */
    public Duration grace() {
        return narGrace == null ? DEFAULT_NAR_GRACE : narGrace;
    }

    /** Whether garbage collection removes anything of the cache: it has a retention or a size limit. */
    public boolean collects() {
        return retention != null || maxSize != null;
    }
}
