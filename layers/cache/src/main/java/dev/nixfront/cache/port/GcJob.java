package dev.nixfront.cache.port;

import dev.nixfront.api.GcReport;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One collection (or removal of paths) of a cache, as it travels between the invocations that run
 * it: in AWS the admin function queues it with an asynchronous Invoke of the collect function, which
 * hands the rest to itself when its 15 minutes run short. JSON, e.g.
 * <pre>
 * {"cache":"team","incarnation":"3f9a0c1d2b4e5f60","run":"5d1c9a0e7b3f2a14",
 *  "startedAt":"2026-12-01T02:00:00Z","lastMarkAt":"2026-12-01T02:03:10Z"}
 * {"cache":"team","incarnation":"3f9a0c1d2b4e5f60","run":"9e0b2c4d6f8a1b3c","startedAt":"2026-12-01T02:00:00Z",
 *  "remove":["/nix/store/0c6kzph7l0dcbqmh0kcms1rcb0d1k5xs-b-1.0"],"recursive":false}
 * </pre>
 * Only what cannot be read again travels: the paths a run has marked are in the index (collecting,
 * with the run as their attempt), so every invocation lists the cache again and picks up where the
 * last one stopped. The payload stays below Lambda's 256 KB async limit: at most 500 paths to remove
 * (~128 KB of the longest store paths), and what earlier invocations removed with at most
 * {@link #LISTED} entries per list (~60 KB).
 *
 * @param run        the collection's id (16 hex digits): the attempt of the paths it marks, and the
 *                   holder of the cache's {@link CollectionRepository lease}
 * @param startedAt  when the first invocation started, before it marked anything: a NAR claimed
 *                   after it is a publish's, which a release must not undo
 * @param lastMarkAt when the last path was marked collecting; null while nothing is
 * @param remove     the store paths to remove ({@code nixfront path rm}); null for a collection
 * @param recursive  a removal also removes what references them
 * @param done       what earlier invocations removed; null for the first
 */
public record GcJob(String cache, String incarnation, String run, Instant startedAt, Instant lastMarkAt, List<String> remove,
                    boolean recursive, GcReport done) {
    /** How many paths and NARs a job's partial report lists, so that the event stays small. */
    public static final int LISTED = 100;

    public GcJob {
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(incarnation, "incarnation");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(startedAt, "startedAt");
        if (!run.matches("[0-9a-f]{16}")) {
            throw new IllegalArgumentException("a collection's run is 16 lowercase hex digits");
        }
        if (!incarnation.isEmpty() && !incarnation.matches("[0-9a-f]{16}")) {
            throw new IllegalArgumentException("a collection's incarnation is 16 lowercase hex digits");
        }
        remove = remove == null ? null : List.copyOf(remove);
    }

    /** Whether this job removes named paths rather than collecting by the cache's policy. */
    public boolean removal() {
        return remove != null;
    }

    /** The same job, to continue after {@code lastMark}, having removed {@code soFar}. */
    public GcJob continued(Instant lastMark, GcReport soFar) {
        return new GcJob(cache, incarnation, run, startedAt, lastMark, remove, recursive, soFar);
    }
}
