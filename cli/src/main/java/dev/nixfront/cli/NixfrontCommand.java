package dev.nixfront.cli;

import dev.nixfront.cli.command.CacheCommand;
import dev.nixfront.cli.command.GcCommand;
import dev.nixfront.cli.command.ImportCommand;
import dev.nixfront.cli.command.KeyCommand;
import dev.nixfront.cli.command.LoginCommand;
import dev.nixfront.cli.command.PathCommand;
import dev.nixfront.cli.command.PinCommand;
import dev.nixfront.cli.command.PushCommand;
import dev.nixfront.cli.command.TokenCommand;
import dev.nixfront.cli.command.TrustCommand;
import dev.nixfront.cli.command.UseCommand;
import dev.nixfront.cli.command.WatchStoreCommand;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The top of the command tree. A new command is a picocli {@code @Command} class added to
 * {@link #COMMANDS}; it reports failure by throwing {@link CliException} (or returning a non-zero
 * code after printing one line on stderr).
 */
@Command(name = "nixfront",
        mixinStandardHelpOptions = true,
        versionProvider = NixfrontCommand.Version.class,
        usageHelpAutoWidth = true,
        description = "A Nix binary cache in your own AWS account: push store paths to a cache, manage caches and "
                + "tokens, and point Nix at a cache to substitute from it.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  nixfront login https://api.example.org --token TOKEN",
            "  nixfront cache create team",
            "  nixfront push team ./result",
            "  nixfront import file:///srv/old-cache team --source-key old-cache-1:6NCH...=",
            "  nixfront pin team release ./result --keep-revisions 3",
            "  nixfront path rm team /nix/store/0c6kzph7l0dcbqmh0kcms1rcb0d1k5xs-b-1.0",
            "  nixfront use team --write",
            "  nixfront key generate team-1 --secret-key-file sk --public-key-file pk",
            "",
            "Run 'nixfront COMMAND --help' for a command's options.",
        })
public final class NixfrontCommand implements Runnable {
    /**
     * The commands under {@code nixfront}, by the name each one's {@code @Command} gives it, in the
     * order the help lists them. Not picocli's {@code subcommands} attribute: {@link Main} adds only
     * the command a command line names (all of them when it names none), because picocli models
     * every command it is given, and modelling all of them, with their options and subcommands, took
     * a quarter of a second of every run, a fifth of a push that finds nothing to do.
     */
    static final Map<String, Class<?>> COMMANDS = commands();

    private static Map<String, Class<?>> commands() {
        Map<String, Class<?>> commands = new LinkedHashMap<>();
        commands.put("login", LoginCommand.class);
        commands.put("cache", CacheCommand.class);
        commands.put("push", PushCommand.class);
        commands.put("watch-store", WatchStoreCommand.class);
        commands.put("import", ImportCommand.class);
        commands.put("gc", GcCommand.class);
        commands.put("trust", TrustCommand.class);
        commands.put("pin", PinCommand.class);
        commands.put("path", PathCommand.class);
        commands.put("use", UseCommand.class);
        commands.put("token", TokenCommand.class);
        commands.put("key", KeyCommand.class);
        commands.put("help", CommandLine.HelpCommand.class);
        return Collections.unmodifiableMap(commands);
    }

    @Spec
    CommandSpec spec;

    /** Without a command, show what there is. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code nixfront --version}: the build's version (filtered in by Maven) and the Java running it. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties properties = new Properties();
            try (InputStream in = NixfrontCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            }
            return new String[] {
                "nixfront " + properties.getProperty("version", "(unknown version)"),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + "), "
                        + System.getProperty("os.name") + " " + System.getProperty("os.arch"),
            };
        }
    }
}
