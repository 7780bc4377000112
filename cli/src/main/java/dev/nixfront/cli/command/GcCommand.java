package dev.nixfront.cli.command;

import dev.nixfront.api.GcReport;
import dev.nixfront.api.GcRequest;
import dev.nixfront.api.Json;
import dev.nixfront.cli.client.ApiException;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "gc", mixinStandardHelpOptions = true,
        description = {"Collect a cache's garbage now: remove the paths no pin and no root pushed within the cache's retention "
                + "keeps (closures followed), and the NARs no narinfo names once their grace is over.",
                "--dry-run reports what would go and why, changing nothing. Set the policy with nixfront cache update "
                + "NAME --retention 30d [--max-size BYTES] [--nar-grace 7d]."})
public final class GcCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "CACHE")
    String cache;

    @Option(names = "--dry-run", description = "Only report what would be removed, and why.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    int run() throws IOException, InterruptedException, ApiException {
        GcReport report = client().collectGarbage(cache, new GcRequest(dryRun));
        if (json) {
            out().println(Json.write(report));
            return 0;
        }
        String verb = report.dryRun() ? "would remove" : "removed";
        out().println("cache " + report.cache() + " (retention " + report.retention()
                + (report.maxSize() == null ? "" : ", at most " + report.maxSize() + " bytes") + ", NAR grace " + report.narGrace() + ")");
        if (report.note() != null) {
            out().println(report.note());
        }
        out().println(verb + " " + report.pathsCollected() + " paths (" + report.bytesCollected() + " bytes of NARs), kept "
                + report.pathsKept() + " (" + report.bytesKept() + " bytes)");
        out().println("NARs: " + report.narsDeleted() + " " + (report.dryRun() ? "to delete" : "deleted") + ", "
                + report.narsDoomed() + " kept until their grace is over");
        report.paths().forEach(p -> out().println("  " + p.storePath() + ": " + p.reason()));
        if (report.paths().size() < report.pathsCollected()) {
            out().println("  ... and " + (report.pathsCollected() - report.paths().size()) + " more");
        }
        return 0;
    }
}
