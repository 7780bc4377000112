package dev.nixfront.cli.command;

import dev.nixfront.cli.client.ClientConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Where the API is and the token to use. picocli fills these once, when the command line is
 * parsed, from the options, else {@code NIXFRONT_SERVER}/{@code NIXFRONT_TOKEN}, else the file
 * {@code nixfront login} wrote; {@link #config()} turns them into the one typed record the
 * commands use.
 */
public final class ServerOptions {
    @Option(names = "--server", paramLabel = "URL", defaultValue = "${env:NIXFRONT_SERVER}",
            description = "The nixfront API (default: $NIXFRONT_SERVER, else what `nixfront login` stored).")
    String server;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:NIXFRONT_TOKEN}",
            description = "The bearer token (default: $NIXFRONT_TOKEN, else what `nixfront login` stored; "
                    + "prefer those: a token on the command line ends up in shell history).")
    String token;

    @Option(names = "--config-home", hidden = true, paramLabel = "DIR",
            defaultValue = "${env:XDG_CONFIG_HOME:-${sys:user.home}/.config}",
            description = "Where nixfront/config lives (default: $XDG_CONFIG_HOME or ~/.config).")
    Path configHome;

    ConfigFile configFile() {
        return ConfigFile.in(configHome);
    }

    /** The server and token, or an explanation of how to give them. */
    ClientConfig config() throws IOException {
        String url = blankToNull(server);
        String secret = blankToNull(token);
        if (url == null || secret == null) {
            Optional<ConfigFile.Entry> stored = configFile().read();
            if (stored.isPresent()) {
                url = url == null ? blankToNull(stored.get().server()) : url;
                secret = secret == null ? blankToNull(stored.get().token()) : secret;
            }
        }
        if (url == null) {
            throw new IOException("no server: set NIXFRONT_SERVER (./nixfront local writes it to .nixfront/local.env) or run `nixfront login SERVER --token TOKEN`");
        }
        if (secret == null) {
            throw new IOException("no token: set NIXFRONT_TOKEN or run `nixfront login " + url + " --token TOKEN`");
        }
        try {
            return new ClientConfig(URI.create(url), secret);
        } catch (IllegalArgumentException e) {
            throw new IOException("bad server URL " + url + ": " + e.getMessage(), e);
        }
    }

    /** The server alone, for a request whose credential is in its body (the OpenID Connect exchange): no token is sent. */
    ClientConfig serverOnly() throws IOException {
        String url = blankToNull(server);
        if (url == null) {
            url = configFile().read().map(e -> blankToNull(e.server())).orElse(null);
        }
        if (url == null) {
            throw new IOException("no server: set NIXFRONT_SERVER or give --server URL");
        }
        try {
            return new ClientConfig(URI.create(url), "");
        } catch (IllegalArgumentException e) {
            throw new IOException("bad server URL " + url + ": " + e.getMessage(), e);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
