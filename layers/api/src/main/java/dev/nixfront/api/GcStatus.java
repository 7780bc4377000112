package dev.nixfront.api;

import java.time.Instant;

/**
 * A collection (or removal of paths) of one cache, as {@code POST /v1/caches/{cache}/gc},
 * {@code POST /v1/caches/{cache}/removals} and {@code GET /v1/caches/{cache}/gc} answer it:
 * <pre>
 * {"cache":"team","run":"5d1c9a0e7b3f2a14","state":"running","startedAt":"2026-12-01T02:00:00Z"}
 * {"cache":"team","run":"5d1c9a0e7b3f2a14","state":"done","startedAt":"2026-12-01T02:00:00Z",
 *  "finishedAt":"2026-12-01T02:02:31Z","report":{"cache":"team","dryRun":false,...}}
 * {"cache":"team","run":"5d1c9a0e7b3f2a14","state":"failed","startedAt":"2026-12-01T02:00:00Z",
 *  "finishedAt":"2026-12-01T02:00:09Z","error":{"error":"conflict","field":"paths","reason":"..."}}
 * </pre>
 * A dry run, and a collection that fits a request (the local stack), answer {@code done} at once
 * (200); in AWS the collection runs as a job of its own and the answer is {@code running} (202):
 * the CLI then reads {@code GET} until the state changes.
 *
 * @param run        the collection's id; null for a dry run, which is not recorded
 * @param state      {@value #RUNNING}, {@value #DONE}, {@value #FAILED}, or {@value #ABANDONED} (its
 *                   job stopped without finishing: the next collection takes over what it left)
 * @param finishedAt when it ended; null while running
 * @param error      why it failed (a removal refused, the cache deleted meanwhile); null otherwise
 * @param report     what it removed, and why; null unless done
 */
public record GcStatus(String cache, String run, String state, Instant startedAt, Instant finishedAt, ApiError error,
                       GcReport report) {
    public static final String RUNNING = "running";
    public static final String DONE = "done";
    public static final String FAILED = "failed";
    public static final String ABANDONED = "abandoned";

    /** True while the collection may still change what it reports. */
    public boolean running() {
        return RUNNING.equals(state);
    }
}
