package dev.nixfront.cli.command;

import dev.nixfront.api.GcReport;
import dev.nixfront.api.Json;
import dev.nixfront.api.RemovePathsRequest;
import dev.nixfront.cli.client.ApiException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nixfront path rm CACHE PATH...}: remove published paths now. */
@Command(name = "path", mixinStandardHelpOptions = true, description = "Work on single paths of a cache.",
        subcommands = {PathCommand.Remove.class})
public final class PathCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give a subcommand: path rm CACHE PATH...");
    }

    @Command(name = "rm", mixinStandardHelpOptions = true,
            description = {"Remove published paths from a cache now: their narinfos at once, their NARs once the cache's NAR grace "
                    + "is over (a client may still hold a narinfo naming one).",
                    "Refused, naming them, while a path that stays references one of them (--recursive removes those too) "
                    + "or one is pinned (nixfront pin rm first)."})
    static final class Remove extends ClientCommand {
        @Parameters(index = "0", paramLabel = "CACHE")
        String cache;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "PATH", description = "Store paths, or links to them such as ./result.")
        List<String> paths;

        @Option(names = "--recursive", description = "Also remove every path that references one of them, transitively.")
        boolean recursive;

        @Option(names = "--dry-run", description = "Only report what would be removed.")
        boolean dryRun;

        @Option(names = "--json", description = "Print the report as JSON.")
        boolean json;

        @Override
        int run() throws IOException, InterruptedException, ApiException {
            List<String> storePaths = new ArrayList<>();
            for (String given : paths) {
                storePaths.add(PinCommand.storePath(given));
            }
            GcReport report = Collections.await(client(),
                    client().removePaths(cache, new RemovePathsRequest(storePaths, recursive, dryRun)), err());
            if (json) {
                out().println(Json.write(report));
            } else {
                Collections.print(out(), report, "removed", "would remove");
            }
            return 0;
        }
    }
}
