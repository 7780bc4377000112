package dev.nixfront.cache.port;

import dev.nixfront.nix.StorePath;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A named root: the store paths pinned under one name, newest first, at most {@code keepRevisions}
 * of them. Every revision kept is a root of garbage collection.
 *
 * @param name          1 to 100 of {@code [A-Za-z0-9._+-]}, not starting with a dot
 * @param keepRevisions how many revisions the pin keeps (at least 1)
 * @param revisions     newest first, at most {@code keepRevisions}, at least one
 * @param version       incremented by every write; what a conditional write compares
 */
public record PinRecord(String name, int keepRevisions, List<Revision> revisions, long version) {
    /** The name rule: what the API accepts and the table keys hold. */
    public static final String NAME_PATTERN = "[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,99}";

    /** One path pinned under the name, and when. */
    public record Revision(StorePath path, Instant pinnedAt) {
        public Revision {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(pinnedAt, "pinnedAt");
        }
    }

    public PinRecord {
        Objects.requireNonNull(name, "name");
        if (!name.matches(NAME_PATTERN)) {
            throw new IllegalArgumentException("a pin name is 1 to 100 of A-Z a-z 0-9 . _ + -, not starting with a dot: '" + name + "'");
        }
        if (keepRevisions < 1) {
            throw new IllegalArgumentException("a pin keeps at least one revision");
        }
        revisions = List.copyOf(revisions);
        if (revisions.isEmpty() || revisions.size() > keepRevisions) {
            throw new IllegalArgumentException("a pin holds 1 to keepRevisions revisions, got " + revisions.size());
        }
    }
}
