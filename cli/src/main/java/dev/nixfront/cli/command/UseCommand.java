package dev.nixfront.cli.command;

import dev.nixfront.api.CacheInfo;
import dev.nixfront.cli.client.ApiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "use", mixinStandardHelpOptions = true,
        description = {"Print the nix.conf lines that make Nix substitute from a cache; --write appends them to your nix.conf.",
                "Your nix.conf: the first of $NIX_USER_CONF_FILES, else $XDG_CONFIG_HOME/nix/nix.conf (~/.config/nix/nix.conf)."})
public final class UseCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "CACHE")
    String cache;

    @Option(names = "--write", description = "Append the lines to your nix.conf (once: running it again changes nothing).")
    boolean write;

    @Option(names = "--user-conf-files", hidden = true, defaultValue = "${env:NIX_USER_CONF_FILES}")
    String userConfFiles;

    @Override
    int run() throws IOException, InterruptedException, ApiException {
        CacheInfo info = client().cacheInfo(cache);
        List<String> lines = lines(info);
        if (!write) {
            lines.forEach(out()::println);
            return 0;
        }
        Path conf = userNixConf();
        boolean changed = append(conf, "# nixfront cache " + info.name(), lines);
        out().println((changed ? "added to " : "already in ") + conf + ":");
        lines.forEach(line -> out().println("  " + line));
        return 0;
    }

    static List<String> lines(CacheInfo info) {
        return List.of("extra-substituters = " + info.substituter(), "extra-trusted-public-keys = " + info.publicKey());
    }

    Path userNixConf() {
        if (userConfFiles != null && !userConfFiles.isBlank()) {
            return Path.of(userConfFiles.split(":")[0]);
        }
        return serverOptions.configHome.resolve("nix").resolve("nix.conf");
    }

    /** Appends the lines not yet in the file; true if anything was written. */
    static boolean append(Path conf, String comment, List<String> lines) throws IOException {
        List<String> existing = Files.isRegularFile(conf)
                ? Files.readAllLines(conf, StandardCharsets.UTF_8).stream().map(String::strip).toList()
                : List.of();
        List<String> add = lines.stream().filter(line -> !existing.contains(line)).toList();
        if (add.isEmpty()) {
            return false;
        }
        Path confDir = conf.getParent();
        if (confDir != null) {
            Files.createDirectories(confDir);
        }
        StringBuilder text = new StringBuilder();
        if (Files.isRegularFile(conf) && Files.size(conf) > 0 && !endsWithNewline(conf)) {
            text.append('\n');
        }
        text.append(comment).append('\n');
        add.forEach(line -> text.append(line).append('\n'));
        Files.writeString(conf, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return true;
    }

    private static boolean endsWithNewline(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        return bytes.length == 0 || bytes[bytes.length - 1] == '\n';
    }
}
