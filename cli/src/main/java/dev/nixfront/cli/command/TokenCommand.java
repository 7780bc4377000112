package dev.nixfront.cli.command;

import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.api.Json;
import dev.nixfront.api.TokenInfo;
import dev.nixfront.api.TokenList;
import dev.nixfront.cli.client.ApiException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "token", mixinStandardHelpOptions = true, description = "Create, list and revoke API tokens.",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class, TokenExchange.class})
public final class TokenCommand {
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)([smhdw])");

    /**
     * {@code 30d}, {@code 12h}, {@code 90m}, {@code 2w}, ISO-8601 {@code P30D}/{@code PT12H}, or an
     * instant {@code 2030-01-01T00:00:00Z}: when a token stops working.
     */
    static Instant expiry(String text, Instant now) {
        String value = text.strip();
        Matcher m = SHORT_DURATION.matcher(value.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration unit = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(1);
                case "m" -> Duration.ofMinutes(1);
                case "h" -> Duration.ofHours(1);
                case "d" -> Duration.ofDays(1);
                default -> Duration.ofDays(7);
            };
            return now.plus(unit.multipliedBy(n));
        }
        try {
            if (value.startsWith("P") || value.startsWith("p")) {
                return now.plus(Duration.parse(value));
            }
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--expires takes a duration (30d, 12h, P30D) or an instant (2030-01-01T00:00:00Z), not " + text);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a token and print it once (only its hash is stored).",
                    "Default scope: every cache, read and write.",
                    "The new token is bounded by the one creating it: within its caches and permissions,",
                    "expiring no later than it does, and revoked with it."})
    static final class Create extends ClientCommand {
        @Option(names = "--cache", paramLabel = "CACHE", description = "A cache the token may use (repeat; '*' = all; default all).")
        List<String> caches = new ArrayList<>();

        @Option(names = "--permission", paramLabel = "PERMISSION", description = "read, write or admin (repeat; default read and write).")
        List<String> permissions = new ArrayList<>();

        @Option(names = "--expires", paramLabel = "WHEN",
                description = "A duration (30d, 12h, P30D) or an instant; default: when the token creating it expires, or never.")
        String expires;

        @Option(names = "--description", paramLabel = "TEXT", description = "What the token is for.")
        String description;

        @Option(names = "--json", description = "Print JSON (with the token).")
        boolean json;

        @Override
        int run() throws IOException, InterruptedException, ApiException {
            Instant expiresAt = expires == null ? null : expiry(expires, Clock.systemUTC().instant());
            CreatedToken created = client().createToken(new CreateTokenRequest(description,
                    caches.isEmpty() ? List.of("*") : caches,
                    permissions.isEmpty() ? List.of("read", "write") : permissions, expiresAt));
            if (json) {
                out().println(Json.write(created));
                return 0;
            }
            out().println(created.token());
            TokenInfo info = created.info();
            err().println("token " + info.id() + ": " + String.join(",", info.permissions()) + " on " + String.join(",", info.caches())
                    + (info.expiresAt() == null ? "" : ", expires " + info.expiresAt())
                    + " (shown once: store it now)");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List tokens (never their secrets): all of them for an admin of every cache,",
                    "else those whose caches are all caches you administer."})
    static final class ListTokens extends ClientCommand {
        @Option(names = "--cache", paramLabel = "CACHE", description = "Only the tokens valid for this cache.")
        String cache;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        int run() throws IOException, InterruptedException, ApiException {
            TokenList list = client().listTokens(cache);
            if (json) {
                out().println(Json.write(list));
                return 0;
            }
            String row = "%-20s  %-14s  %-20s  %-20s  %-8s  %-20s  %s%n";
            out().printf(row, "ID", "PERMISSIONS", "CACHES", "EXPIRES", "STATE", "CREATED BY", "DESCRIPTION");
            for (TokenInfo t : list.tokens()) {
                out().printf(row, t.id(), String.join(",", t.permissions()),
                        String.join(",", t.caches()), t.expiresAt() == null ? "never" : t.expiresAt().toString(),
                        t.revokedAt() != null ? "revoked" : "active", t.createdBy() == null ? "-" : t.createdBy(),
                        t.description() == null ? "" : printable(t.description()));
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a token and every token made with it: they stop working within a minute.")
    static final class Revoke extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Override
        int run() throws IOException, InterruptedException, ApiException {
            client().revokeToken(id);
            out().println("revoked token " + id + " and every token made with it");
            return 0;
        }
    }

    /**
     * The text with control and format characters shown as backslash-u escapes (four hex digits):
     * a description comes from whoever made the token, and an escape sequence printed raw could
     * clear the terminal or forge rows (servers refuse such descriptions now; older ones may still
     * hold them).
     */
    static String printable(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
