package dev.nixfront.cli.command;

import dev.nixfront.api.GcReport;
import dev.nixfront.api.GcRequest;
import dev.nixfront.api.GcStatus;
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
                + "NAME --retention 30d [--max-size BYTES] [--nar-grace 7d]. In AWS a collection runs as a job (and daily for "
                + "caches with a policy); this command waits for it, --status shows the running or last one."})
public final class GcCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "CACHE")
    String cache;

    @Option(names = "--dry-run", description = "Only report what would be removed, and why.")
    boolean dryRun;

    @Option(names = "--status", description = "Show the collection running on the cache, or the last one's outcome; start none.")
    boolean status;

    @Option(names = "--json", description = "Print the report (with --status: the state) as JSON.")
    boolean json;

    @Override
    int run() throws IOException, InterruptedException, ApiException {
        if (status) {
            GcStatus now = client().collectionStatus(cache);
            if (json) {
                out().println(Json.write(now));
            } else {
                out().println("collection " + now.run() + " of cache " + now.cache() + ": " + now.state() + " (started "
                        + now.startedAt() + (now.finishedAt() == null ? "" : ", finished " + now.finishedAt()) + ")");
                if (now.error() != null) {
                    out().println(now.error().reason());
                }
                if (now.report() != null) {
                    Collections.print(out(), now.report(), "removed", "would remove");
                }
            }
            return 0;
        }
        GcReport report = Collections.await(client(), client().collectGarbage(cache, new GcRequest(dryRun)), err());
        if (json) {
            out().println(Json.write(report));
        } else {
            Collections.print(out(), report, "removed", "would remove");
        }
        return 0;
    }
}
