package dev.nixfront.cli.command;

import dev.nixfront.api.Json;
import dev.nixfront.api.PinInfo;
import dev.nixfront.api.PinList;
import dev.nixfront.api.PinRequest;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.nix.StorePath;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code nixfront pin CACHE NAME PATH}, {@code nixfront pin list CACHE}, {@code nixfront pin rm CACHE NAME}.
 * picocli takes a word that names a subcommand as the subcommand wherever it stands, so a pin named
 * {@code list} or {@code rm} is written after {@code --}; the subcommands notice the other reading
 * (a cache before them) and say so instead of listing or removing something else.
 */
@Command(name = "pin", mixinStandardHelpOptions = true,
        description = {"Pin a store path the cache has published under a name: garbage collection keeps it, and the last paths "
                + "pinned under that name, whatever the cache's retention.",
                "Pinning another path makes it the newest revision and drops the oldest beyond --keep-revisions; pinning "
                        + "the newest again renews its time. A pin named list or rm goes after '--': nixfront pin CACHE -- list PATH."},
        subcommands = {PinCommand.ListPins.class, PinCommand.Remove.class})
public final class PinCommand extends ClientCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "CACHE")
    String cache;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "1 to 100 of A-Z a-z 0-9 . _ + -, not starting with '.'.")
    String name;

    @Parameters(index = "2", arity = "0..1", paramLabel = "PATH", description = "A store path, or a link to one such as ./result.")
    String path;

    @Option(names = "--keep-revisions", paramLabel = "N",
            description = "How many paths pinned under the name to keep, newest first, 1 to 100 (default: the pin's setting; 1 for a new pin).")
    Integer keepRevisions;

    @Option(names = "--json", description = "Print the pin as JSON.")
    boolean json;

    @Override
    int run() throws IOException, InterruptedException, ApiException {
        if (cache == null || name == null || path == null) {
            throw new ParameterException(spec.commandLine(), "give CACHE NAME PATH to pin a path, 'pin list CACHE' to list the pins,"
                    + " 'pin rm CACHE NAME' to remove one");
        }
        PinInfo pin = client().putPin(cache, name, new PinRequest(storePath(path), keepRevisions));
        if (json) {
            out().println(Json.write(pin));
            return 0;
        }
        out().println("pinned " + pin.revisions().getFirst().path() + " as " + pin.name() + " in " + cache);
        describe(out(), pin);
        return 0;
    }

    /** The pin's name and setting, then a line per revision kept, newest first. */
    static void describe(PrintWriter out, PinInfo pin) {
        out.println(pin.name() + " (keeps " + pin.keepRevisions() + (pin.keepRevisions() == 1 ? " revision)" : " revisions)"));
        for (PinInfo.Revision revision : pin.revisions()) {
            out.println("  " + revision.pinnedAt() + "  " + revision.path());
        }
    }

    /**
     * The store path {@code given} names: a path under /nix/store as it is (a file inside a store
     * path names that store path, as for Nix), anything else followed through its links, as
     * {@code ./result}. A store path need not exist here: it is the cache's that counts.
     */
    static String storePath(String given) throws IOException {
        String store = StorePath.DEFAULT_STORE_DIR + "/";
        String absolute = given;
        if (!given.startsWith(store)) {
            Path local = Path.of(given);
            if (!Files.exists(local)) {
                throw new IllegalArgumentException("PATH must be a store path or a link to one, such as ./result: " + given
                        + " does not exist");
            }
            absolute = local.toRealPath().toString();
            if (!absolute.startsWith(store)) {
                throw new IllegalArgumentException("PATH must be a store path or a link to one, such as ./result: " + given
                        + " is " + absolute);
            }
        }
        String rest = absolute.substring(store.length());
        int slash = rest.indexOf('/');
        return store + (slash < 0 ? rest : rest.substring(0, slash));
    }

    /** The parsed command line had a cache before the subcommand's word: it was meant as a pin's name. */
    static ParameterException nameNeedsDashes(PinCommand parent, String word) {
        return new ParameterException(parent.spec.commandLine(), "to pin a path under the name '" + word + "', put '--' before the name:"
                + " nixfront pin " + parent.cache + " -- " + word + " PATH");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a cache's pins and the paths each keeps, newest first.")
    static final class ListPins extends ClientCommand {
        @ParentCommand
        PinCommand parent;

        @Parameters(index = "0", paramLabel = "CACHE")
        String cache;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        int run() throws IOException, InterruptedException, ApiException {
            if (parent.cache != null) {
                throw nameNeedsDashes(parent, "list");
            }
            PinList pins = client().listPins(cache);
            if (json) {
                out().println(Json.write(pins));
                return 0;
            }
            if (pins.pins().isEmpty()) {
                out().println("no pins in " + cache + ": nixfront pin " + cache + " NAME PATH");
                return 0;
            }
            for (PinInfo pin : pins.pins()) {
                describe(out(), pin);
            }
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true,
            description = "Remove a pin: garbage collection no longer keeps its paths for it (a root pushed within the retention still does).")
    static final class Remove extends ClientCommand {
        @ParentCommand
        PinCommand parent;

        @Parameters(index = "0", paramLabel = "CACHE")
        String cache;

        // Optional to picocli, so that 'pin CACHE rm PATH' reaches run() and gets the hint about '--'.
        @Parameters(index = "1", arity = "0..1", paramLabel = "NAME")
        String name;

        @Override
        int run() throws IOException, InterruptedException, ApiException {
            if (parent.cache != null) {
                throw nameNeedsDashes(parent, "rm");
            }
            if (name == null) {
                throw new ParameterException(spec.commandLine(), "missing required parameter: 'NAME'");
            }
            client().deletePin(cache, name);
            out().println("removed pin " + name + " from " + cache);
            return 0;
        }
    }
}
