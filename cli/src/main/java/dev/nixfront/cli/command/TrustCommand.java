package dev.nixfront.cli.command;

import dev.nixfront.api.Json;
import dev.nixfront.api.TrustInfo;
import dev.nixfront.api.TrustList;
import dev.nixfront.api.TrustRequest;
import dev.nixfront.cli.client.ApiException;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nixfront trust add|list|rm CACHE}: which OpenID Connect ID tokens (GitHub Actions' by
 * default) {@code nixfront token exchange} trades for short-lived write tokens of the cache.
 */
@Command(name = "trust", mixinStandardHelpOptions = true,
        description = {"Let CI jobs trade their OpenID Connect ID tokens (GitHub Actions by default) for short-lived write "
                + "tokens of a cache: no long-lived token in a secret.",
                "The tokens given out are made in the name of the token that added the trust: revoking it ends them."},
        subcommands = {TrustCommand.Add.class, TrustCommand.ListTrusts.class, TrustCommand.Remove.class})
public final class TrustCommand {
    @Command(name = "add", mixinStandardHelpOptions = true, description = "Trust the ID tokens of a subject for a cache.")
    static final class Add extends ClientCommand {
        @Parameters(index = "0", paramLabel = "CACHE")
        String cache;

        @Option(names = "--subject", required = true, paramLabel = "PATTERN",
                description = {"The token's sub, e.g. repo:acme/site:ref:refs/heads/main; '*' stands for one or more characters",
                        "other than ':' (repo:acme/site:ref:refs/heads/*), never in the owner."})
        String subject;

        @Option(names = "--issuer", paramLabel = "URL", description = "The issuer (default: " + TrustRequest.GITHUB_ACTIONS + ").")
        String issuer;

        @Option(names = "--audience", paramLabel = "AUD",
                description = "What the token's aud must contain (default: " + TrustRequest.DEFAULT_AUDIENCE
                        + "; give each deployment its own when one repository pushes to several).")
        String audience;

        @Option(names = "--ttl", paramLabel = "DURATION", description = "How long the tokens given out live, 1m to 1h (default 1h).")
        String ttl;

        @Option(names = "--json", description = "Print the trust as JSON.")
        boolean json;

        @Override
        int run() throws IOException, InterruptedException, ApiException {
            TrustInfo trust = client().addTrust(cache, new TrustRequest(issuer, subject, audience, ttl));
            if (json) {
                out().println(Json.write(trust));
            } else {
                out().println("trust " + trust.id() + ": " + trust.subject() + " of " + trust.issuer() + " (audience " + trust.audience()
                        + ") gets read and write on " + trust.cache() + " for " + trust.ttlSeconds() / 60 + " minutes");
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a cache's trusts.")
    static final class ListTrusts extends ClientCommand {
        @Parameters(index = "0", paramLabel = "CACHE")
        String cache;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        int run() throws IOException, InterruptedException, ApiException {
            TrustList list = client().listTrusts(cache);
            if (json) {
                out().println(Json.write(list));
                return 0;
            }
            String row = "%-20s  %-6s  %-14s  %-16s  %-44s  %s%n";
            out().printf(row, "ID", "TTL", "CREATED BY", "AUDIENCE", "ISSUER", "SUBJECT");
            for (TrustInfo t : list.trusts()) {
                out().printf(row, t.id(), t.ttlSeconds() / 60 + "m", t.createdBy(), t.audience(), t.issuer(), t.subject());
            }
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true,
            description = "Remove a trust (the tokens it gave out live out their hour; revoke its maker to end them now).")
    static final class Remove extends ClientCommand {
        @Parameters(index = "0", paramLabel = "CACHE")
        String cache;

        @Parameters(index = "1", paramLabel = "ID")
        String id;

        @Override
        int run() throws IOException, InterruptedException, ApiException {
            client().removeTrust(cache, id);
            out().println("removed trust " + id + " of " + cache);
            return 0;
        }
    }
}
