package dev.nixfront.cli.command;

import dev.nixfront.api.GcReport;
import dev.nixfront.api.GcStatus;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.client.NixfrontClient;
import java.io.PrintWriter;
import java.io.IOException;
import java.time.Duration;

/**
 * What {@code gc} and {@code path rm} share: waiting for a collection that runs as a job (in AWS it
 * outlasts a request: the answer is 202 and the CLI reads {@code GET /v1/caches/{cache}/gc} until
 * the run ends), and printing its report.
 */
final class Collections {
    /** The longest wait between two reads of a running collection's state. */
    static final Duration MAX_POLL = Duration.ofSeconds(5);

    private Collections() {}

    /**
     * The outcome of {@code started}: at once when done, else read until the run ends. A failed run
     * (a removal refused) throws its error, as a refusal of the request itself would.
     */
    static GcReport await(NixfrontClient client, GcStatus started, PrintWriter err) throws IOException, InterruptedException, ApiException {
        GcStatus status = started;
        long pollMillis = 250;
        if (status.running()) {
            err.println("collection " + status.run() + " of cache " + status.cache() + " is running; waiting for it"
                    + " (it waits a fence of minutes between marking and deleting; Ctrl-C leaves it running,"
                    + " nixfront gc " + status.cache() + " --status shows it)");
            err.flush();
        }
        while (status.running()) {
            Thread.sleep(pollMillis);
            pollMillis = Math.min(MAX_POLL.toMillis(), pollMillis * 2);
            GcStatus now = client.collectionStatus(started.cache());
            if (started.run() == null || started.run().equals(now.run())) {
                status = now;
            } else {
                throw new IOException("collection " + started.run() + " of cache " + started.cache()
                        + " is no longer the cache's collection: " + now.run() + " (" + now.state() + ") is");
            }
        }
        return outcome(status);
    }

    /** The report of a finished run; a failed or abandoned one throws why. */
    static GcReport outcome(GcStatus status) throws IOException, ApiException {
        switch (status.state()) {
            case GcStatus.DONE:
                return status.report();
            case GcStatus.FAILED:
                throw new ApiException(status.error() != null && "not_found".equals(status.error().error()) ? 404 : 409, status.error());
            default:
                throw new IOException("collection " + status.run() + " of cache " + status.cache() + " is " + status.state()
                        + ": its job stopped without finishing; the next collection takes over what it left");
        }
    }

    static void print(PrintWriter out, GcReport report, String removed, String wouldRemove) {
        String verb = report.dryRun() ? wouldRemove : removed;
        out.println("cache " + report.cache() + " (retention " + report.retention()
                + (report.maxSize() == null ? "" : ", at most " + report.maxSize() + " bytes") + ", NAR grace " + report.narGrace() + ")");
        if (report.note() != null) {
            out.println(report.note());
        }
        out.println(verb + " " + report.pathsCollected() + " paths (" + report.bytesCollected() + " bytes of NARs), kept "
                + report.pathsKept() + " (" + report.bytesKept() + " bytes)");
        out.println("NARs: " + report.narsDeleted() + " " + (report.dryRun() ? "to delete" : "deleted") + ", "
                + report.narsDoomed() + " kept until their grace is over");
        if (report.logsDeleted() != null && report.logsDeleted() > 0) {
            out.println("build logs: " + report.logsDeleted() + " " + (report.dryRun() ? "to delete" : "deleted")
                    + " (no path kept names their derivation)");
        }
        report.paths().forEach(p -> out.println("  " + p.storePath() + ": " + p.reason()));
        if (report.paths().size() < report.pathsCollected()) {
            out.println("  ... and " + (report.pathsCollected() - report.paths().size()) + " more");
        }
    }
}
