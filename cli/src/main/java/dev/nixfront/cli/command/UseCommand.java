package dev.nixfront.cli.command;

import dev.nixfront.api.CacheInfo;
import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.cli.client.ApiException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "use", mixinStandardHelpOptions = true,
        description = {"Print the nix.conf lines that make Nix substitute from a cache; --write appends them to your nix.conf.",
                "Your nix.conf: the first of $NIX_USER_CONF_FILES, else $XDG_CONFIG_HOME/nix/nix.conf (~/.config/nix/nix.conf).",
                "A private cache also needs a read token in a netrc file: this creates one (or takes --read-token) and,",
                "as root, writes it to /etc/nix/netrc (mode 600) and `netrc-file = /etc/nix/netrc` to /etc/nix/nix.conf;",
                "as anyone else it prints those lines and writes neither."})
public final class UseCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "CACHE")
    String cache;

    @Option(names = "--write", description = "Append the lines to your nix.conf (once: running it again changes nothing).")
    boolean write;

    @Option(names = "--read-token", paramLabel = "TOKEN",
            description = "For a private cache: the read token Nix should send (default: create one, read only, of this cache).")
    String readToken;

    @Option(names = "--user-conf-files", hidden = true, defaultValue = "${env:NIX_USER_CONF_FILES}")
    String userConfFiles;

    /** Where the netrc and the system nix.conf are written; unset, /etc/nix when root and nowhere otherwise. */
    @Option(names = "--nix-conf-dir", hidden = true, paramLabel = "DIR", defaultValue = "${sys:nixfront.nixConfDir}")
    Path nixConfDir;

    @Option(names = "--user-name", hidden = true, defaultValue = "${sys:user.name}")
    String userName;

    @Override
    int run() throws IOException, InterruptedException, ApiException {
        CacheInfo info = client().cacheInfo(cache);
        List<String> lines = lines(info);
        if (write) {
            Path conf = userNixConf();
            boolean changed = append(conf, "# nixfront cache " + info.name(), lines);
            out().println((changed ? "added to " : "already in ") + conf + ":");
            lines.forEach(line -> out().println("  " + line));
        } else {
            lines.forEach(out()::println);
        }
        if (info.privateCache()) {
            readAccess(info);
        } else if (readToken != null) {
            err().println("cache " + info.name() + " is public: --read-token is not needed, nothing written");
        }
        return 0;
    }

    /**
     * The netrc entry of a private cache, on stderr so that stdout stays the nix.conf lines. The
     * substituter's host alone names the machine: curl matches netrc entries by host name, not port.
     */
    private void readAccess(CacheInfo info) throws IOException, InterruptedException, ApiException {
        String token = readToken == null ? createReadToken(info) : readToken.strip();
        if (token.isEmpty() || token.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("--read-token takes a token, without spaces");
        }
        String host = URI.create(info.substituter()).getHost();
        String line = Netrc.line(host, token);
        Path dir = nixConfDir != null ? nixConfDir : "root".equals(userName) ? Path.of("/etc/nix") : null;
        if (dir == null) {
            err().println("cache " + info.name() + " is private: Nix needs this read token in a netrc file. As root, add to /etc/nix/netrc (mode 600):");
            err().println("  " + line);
            err().println("and to /etc/nix/nix.conf (then restart nix-daemon):");
            err().println("  " + Netrc.netrcFileSetting(Path.of("/etc/nix/netrc")));
            err().println("or run `nixfront use " + info.name() + "` as root, which writes both.");
        } else {
            Path conf = dir.resolve("nix.conf").toAbsolutePath();
            Optional<Path> named = Netrc.configured(conf);
            Path netrc = named.orElse(dir.resolve("netrc")).toAbsolutePath();
            Netrc.write(netrc, host, line);
            err().println("wrote the read token for machine " + host + " to " + netrc + " (mode 600)");
            if (named.isEmpty() && Netrc.ensureNetrcFile(conf, netrc)) {
                err().println("added `" + Netrc.netrcFileSetting(netrc) + "` to " + conf + " (restart nix-daemon to apply it)");
            } else {
                err().println(conf + " already points netrc-file there");
            }
        }
        err().println("A multi-user nix-daemon takes netrc-file from the system nix.conf only: set by an untrusted user"
                + " (~/.config/nix/nix.conf, NIX_CONFIG, --option) it is ignored.");
        err().println("Nix remembers misses: if it looked here before the netrc existed, remove ~/.cache/nix"
                + " (root's for the nix-daemon) or wait out narinfo-cache-negative-ttl (an hour).");
    }

    private String createReadToken(CacheInfo info) throws IOException, InterruptedException, ApiException {
        CreatedToken created = client().createToken(new CreateTokenRequest("nixfront use on " + hostName(),
                List.of(info.name()), List.of("read"), null));
        String id = created.info().id();
        err().println("created read token " + id + " of cache " + info.name() + " (revoke it with `nixfront token revoke " + id + "`)");
        return created.token();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "an unnamed host";
        }
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
