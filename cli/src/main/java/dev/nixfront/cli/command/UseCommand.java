package dev.nixfront.cli.command;

import dev.nixfront.api.CacheInfo;
import dev.nixfront.api.Upstream;
import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.cli.client.ApiException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
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
                "as anyone else it prints those lines and writes neither. One netrc entry serves every cache of a host:",
                "a token already there that reads the cache is kept, else the new one also reads what it read."})
public final class UseCommand extends ClientCommand {
    /**
     * Built on first use: picocli makes every subcommand when any command starts, and a client
     * made here loaded the CA certificates and started a selector thread for every
     * {@code nixfront push} too (~5% of a warm push's samples).
     */
    private static final class Probe {
        static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

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
     * substituter's host alone names the machine: curl matches netrc entries by host name, not port,
     * so every private cache of one deployment shares one entry, and its token must read them all.
     */
    private void readAccess(CacheInfo info) throws IOException, InterruptedException, ApiException {
        if (readToken != null && (readToken.isBlank() || readToken.strip().chars().anyMatch(Character::isWhitespace))) {
            throw new IllegalArgumentException("--read-token takes a token, without spaces");
        }
        String host = URI.create(info.substituter()).getHost();
        Path dir = nixConfDir != null ? nixConfDir : "root".equals(userName) ? Path.of("/etc/nix") : null;
        if (dir == null) {
            String token = readToken == null ? createReadToken(info, List.of()) : readToken.strip();
            err().println("cache " + info.name() + " is private: Nix needs this read token in a netrc file. As root, add to /etc/nix/netrc (mode 600):");
            err().println("  " + Netrc.line(host, token));
            err().println("and to /etc/nix/nix.conf (then restart nix-daemon):");
            err().println("  " + Netrc.netrcFileSetting(Path.of("/etc/nix/netrc")));
            err().println("or run `nixfront use " + info.name() + "` as root, which writes both (and keeps one token for all the"
                    + " private caches of " + host + ").");
        } else {
            Path conf = dir.resolve("nix.conf").toAbsolutePath();
            Optional<Path> named = Netrc.configured(conf);
            Path netrc = named.orElse(dir.resolve("netrc")).toAbsolutePath();
            Optional<String> current = Netrc.password(netrc, host);
            String token;
            if (readToken != null) {
                token = readToken.strip();
                if (!reads(info, token)) {
                    err().println("warning: this token does not read cache " + info.name() + " (yet: a new token takes a while to reach"
                            + " every CloudFront edge)");
                }
            } else if (current.isPresent() && reads(info, current.get())) {
                token = null;
                err().println("the token for machine " + host + " in " + netrc + " reads cache " + info.name() + " already: kept");
            } else {
                token = createReadToken(info, current.isPresent() ? alsoRead(info, current.get()) : List.of());
            }
            if (token != null) {
                Netrc.write(netrc, host, Netrc.line(host, token));
                err().println("wrote the read token for machine " + host + " to " + netrc + " (mode 600)");
            }
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

    /**
     * The other private caches of this host that {@code token} reads: the token replacing it in the
     * netrc must read them too, or substituting from them would quietly stop (Nix takes a 401 for a
     * miss). Only the caches this CLI's token can list are asked about.
     */
    private List<String> alsoRead(CacheInfo info, String token) throws IOException, InterruptedException, ApiException {
        String host = URI.create(info.substituter()).getHost();
        List<String> names = new ArrayList<>();
        for (CacheInfo other : client().listCaches().caches()) {
            if (other.privateCache() && !other.name().equals(info.name()) && host.equals(URI.create(other.substituter()).getHost())
                    && reads(other, token)) {
                names.add(other.name());
            }
        }
        return names;
    }

    /** Whether the read path serves the cache's nix-cache-info to this token: the one answer that counts. */
    private static boolean reads(CacheInfo cache, String token) throws InterruptedException {
        HttpRequest probe = HttpRequest.newBuilder(URI.create(cache.substituter() + "/nix-cache-info"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).GET().build();
        try {
            return Probe.CLIENT.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException | IllegalArgumentException unreachableOrUnsendable) {
            // Unknown counts as no: the worst outcome is one more token.
            return false;
        }
    }

    private String createReadToken(CacheInfo info, List<String> alsoRead) throws IOException, InterruptedException, ApiException {
        List<String> caches = new ArrayList<>(alsoRead);
        caches.addFirst(info.name());
        CreatedToken created = client().createToken(new CreateTokenRequest("nixfront use on " + hostName(),
                caches, List.of("read"), null));
        String id = created.info().id();
        err().println("created read token " + id + " of cache " + info.name()
                + (alsoRead.isEmpty() ? "" : ", which also reads " + String.join(", ", alsoRead) + " as the token it replaces did")
                + " (revoke it with `nixfront token revoke " + id + "`)");
        return created.token();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "an unnamed host";
        }
    }

    /**
     * The cache's substituter and key, followed by its upstreams' in order: a path the cache did not
     * take because an upstream serves it is substituted from there, so the machine needs both.
     */
    static List<String> lines(CacheInfo info) {
        List<Upstream> upstreams = info.upstreams() == null ? List.of() : info.upstreams();
        StringBuilder substituters = new StringBuilder("extra-substituters = " + info.substituter());
        StringBuilder keys = new StringBuilder("extra-trusted-public-keys = " + info.publicKey());
        for (Upstream u : upstreams) {
            substituters.append(' ').append(u.url());
            keys.append(' ').append(u.publicKey());
        }
        return List.of(substituters.toString(), keys.toString());
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
