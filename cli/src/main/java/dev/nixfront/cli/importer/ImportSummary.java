package dev.nixfront.cli.importer;

import java.util.List;
import java.util.Locale;

/**
 * What an import did, printed at its end (as JSON with {@code --json}).
 *
 * @param seen          the store paths found in the source: every narinfo listed or reached from the
 *                      roots, and every path they reference
 * @param alreadyThere  those the cache had published before this run
 * @param imported      those verified, uploaded and published by this run
 * @param refused       those not imported, each with the reason; a re-run tries them again
 * @param uploadedBytes compressed NAR bytes sent to storage (a file the cache had is not sent again)
 * @param roots         the paths the cache recorded as roots of this import (what garbage collection keeps)
 */
public record ImportSummary(String source, String cache, int seen, int alreadyThere, int imported, List<RefusedPath> refused,
                            long uploadedBytes, double seconds, int roots) {
    /** A path not imported and why, e.g. {@code FileHash mismatch: ...}. */
    public record RefusedPath(String storePath, String reason) {
    }

    public ImportSummary {
        refused = List.copyOf(refused);
    }

    /** Lines for a human: the counts, then one line per refused path. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        out.append("imported ").append(imported).append(" of ").append(seen).append(" paths from ").append(source)
                .append(" into ").append(cache).append(" (").append(alreadyThere).append(" already there, ")
                .append(refused.size()).append(" refused), ").append(mib(uploadedBytes)).append(" uploaded, in ")
                .append(String.format(Locale.ROOT, "%.2f s", seconds));
        if (roots > 0) {
            out.append("; ").append(roots).append(roots == 1 ? " root" : " roots").append(" recorded");
        }
        for (RefusedPath path : refused) {
            out.append('\n').append("refused ").append(path.storePath()).append(": ").append(path.reason());
        }
        return out.toString();
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
