package dev.nixfront.cli.client;

import java.net.URI;
import java.util.Objects;

/**
 * Which nixfront API to talk to and as whom: from {@code NIXFRONT_SERVER}/{@code NIXFRONT_TOKEN}
 * or what {@code nixfront login} stored.
 *
 * @param server the API's base URL, e.g. {@code http://127.0.0.1:8470}
 * @param token  the bearer token ({@code nf_...}); a secret, never printed; empty for a client that sends none
 *               (the OpenID Connect exchange, whose credential is in its body)
 */
public record ClientConfig(URI server, String token) {
    public ClientConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(token, "token");
        String scheme = server.getScheme();
        if (!"http".equals(scheme) && !"https".equals(scheme) || server.getHost() == null) {
            throw new IllegalArgumentException("the server must be an http(s) URL, not " + server);
        }
    }

    @Override
    public String toString() {
        return "ClientConfig[server=" + server + ", token=<redacted>]";
    }
}
