package dev.nixfront.api;

import java.time.Instant;
import java.util.List;

/**
 * A pin: {@code {"name":"release","keepRevisions":3,"revisions":[{"path":"/nix/store/0123...-site-2",
 * "pinnedAt":"2026-11-26T09:00:00Z"},{"path":"/nix/store/4567...-site-1","pinnedAt":"2026-11-25T17:00:00Z"}]}}.
 *
 * @param revisions newest first, at most {@code keepRevisions}
 */
public record PinInfo(String name, int keepRevisions, List<Revision> revisions) {
    public PinInfo {
        revisions = Lists.copy(revisions);
    }

    /** One path pinned under the name, and when it was pinned (last). */
    public record Revision(String path, Instant pinnedAt) {
    }
}
