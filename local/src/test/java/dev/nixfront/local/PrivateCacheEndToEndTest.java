package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import dev.nixfront.api.Upstream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Private caches on {@code ./nixfront local}, as a user meets them: the read server refuses every
 * object of a private cache to a reader without a read token of it (401 with a Basic challenge),
 * serves it with one (Basic, as Nix sends a netrc login, or Bearer), and follows revocations and
 * visibility changes at the very next read; the real Nix substitutes with a netrc file and not
 * without.
 */
@ExtendWith(LocalStackExtension.class)
class PrivateCacheEndToEndTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    private record Pushed(String cache, String substituter, String publicKey, String top, List<String> closure,
                          List<String> urls) {}

    /** A cache (with {@code createArgs}) holding a fresh closure of four paths; the URLs of one narinfo and its NAR. */
    private static Pushed pushed(LocalStack stack, NixTool nix, String prefix, String... createArgs) throws Exception {
        Cli admin = Cli.admin(stack);
        String cache = prefix + "-" + Closures.seed().substring(0, 8);
        String[] args = new String[createArgs.length + 1];
        args[0] = cache;
        System.arraycopy(createArgs, 0, args, 1, createArgs.length);
        admin.run(List.of("cache", "create"), args).ok();
        JsonNode info = Json.mapper().readTree(admin.run(List.of("cache", "info"), cache, "--json").ok().out());
        String top = nix.build(Closures.chain(Closures.seed(), 1000)).getFirst();
        admin.run(List.of("push"), cache, top, "--json").ok();
        String substituter = info.get("substituter").asText();
        String narinfo = substituter + "/" + Path.of(top).getFileName().toString().substring(0, 32) + ".narinfo";
        // Not with the admin token: its permission list is admin alone, and the read path serves read tokens only.
        String nar = substituter + "/" + get(narinfo, "Bearer " + token(stack, cache, "read")).body().lines()
                .filter(line -> line.startsWith("URL: ")).findFirst().orElse("URL: none").substring(5);
        return new Pushed(cache, substituter, info.get("publicKey").asText(), top, nix.closure(top),
                List.of(substituter + "/nix-cache-info", narinfo, nar));
    }

    /** A token as its maker got it: the text, shown once, and the id it is listed and revoked by. */
    private record Token(String text, String id) {}

    /** A token of {@code cache} made by {@code maker}. */
    private static Token token(Cli maker, String cache, String... permissions) throws Exception {
        List<String> args = new ArrayList<>(List.of("--cache", cache, "--json"));
        for (String permission : permissions) {
            args.addAll(List.of("--permission", permission));
        }
        JsonNode created = Json.mapper().readTree(maker.run(List.of("token", "create"), args.toArray(String[]::new)).ok().out());
        return new Token(created.get("token").asText(), created.at("/info/id").asText());
    }

    private static String token(LocalStack stack, String cache, String... permissions) throws Exception {
        return token(Cli.admin(stack), cache, permissions).text();
    }

    private static HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
    }

    private static String basic(String login, String token) {
        return "Basic " + Base64.getEncoder().encodeToString((login + ":" + token).getBytes(StandardCharsets.US_ASCII));
    }

    /** The statuses of every URL read with {@code authorization}. */
    private static List<Integer> statuses(Pushed pushed, String authorization) throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (String url : pushed.urls()) {
            statuses.add(get(url, authorization).statusCode());
        }
        return statuses;
    }

    @Test
    void aPrivateCacheIsReadWithAReadTokenOfItAndNothingElse(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Pushed team = pushed(stack, nix, "private", "--private");
        Pushed open = pushed(stack, nix, "public");
        assertThat(team.urls().get(2)).contains("/nar/");

        for (String url : team.urls()) {
            HttpResponse<String> refused = get(url, null);
            assertThat(refused.statusCode()).as(url).isEqualTo(401);
            assertThat(refused.headers().firstValue("www-authenticate")).contains("Basic realm=\"nixfront\"");
            assertThat(refused.headers().firstValue("cache-control")).contains("no-store");
        }
        assertThat(statuses(open, null)).as("a public cache, as before").containsOnly(200);
        assertThat(get(open.urls().getFirst(), null).headers().firstValue("cache-control")).contains("public, max-age=300");

        String reader = token(stack, team.cache(), "read");
        assertThat(statuses(team, basic("nixfront", reader))).containsOnly(200);
        assertThat(statuses(team, basic("", reader))).containsOnly(200);
        assertThat(statuses(team, "Bearer " + reader)).containsOnly(200);
        HttpResponse<String> nar = get(team.urls().get(2), "Bearer " + reader);
        assertThat(nar.headers().firstValue("cache-control")).contains("private, max-age=31536000, immutable");
        assertThat(get(team.urls().get(1), "Bearer " + reader).headers().firstValue("cache-control")).contains("private, max-age=300");

        assertThat(statuses(team, "Bearer " + token(stack, open.cache(), "read"))).as("another cache's token").containsOnly(401);
        assertThat(statuses(team, "Bearer " + token(stack, team.cache(), "write"))).as("a push token").containsOnly(401);
        assertThat(statuses(team, "Bearer " + token(stack, "*", "read"))).as("a token of all caches").containsOnly(200);
        assertThat(statuses(team, "Bearer nf_nobodymadethistoken")).containsOnly(401);
        assertThat(get(stack.cacheUrl() + "/no-such-cache/nix-cache-info", "Bearer " + reader).statusCode()).isEqualTo(404);
    }

    @Test
    void aRevocationAndAVisibilityChangeBiteAtTheNextRead(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Pushed team = pushed(stack, nix, "switch");
        assertThat(statuses(team, null)).containsOnly(200);

        Cli admin = Cli.admin(stack);
        Cli.Result updated = admin.run(List.of("cache", "update"), team.cache(), "--private").ok();
        assertThat(updated.out()).contains("private:  yes");
        assertThat(statuses(team, null)).as("anonymous, right after the switch").containsOnly(401);

        Token maker = token(admin, team.cache(), "admin", "read");
        Token child = token(new Cli(stack, maker.text()), team.cache(), "read");
        Token reader = token(admin, team.cache(), "read");
        assertThat(statuses(team, basic("nixfront", reader.text()))).containsOnly(200);
        assertThat(statuses(team, basic("nixfront", child.text()))).containsOnly(200);

        admin.run(List.of("token", "revoke"), reader.id()).ok();
        assertThat(statuses(team, basic("nixfront", reader.text()))).as("right after the revocation").containsOnly(401);

        admin.run(List.of("token", "revoke"), maker.id()).ok();
        assertThat(statuses(team, basic("nixfront", child.text()))).as("made by a token revoked since").containsOnly(401);

        admin.run(List.of("cache", "update"), team.cache(), "--public", "--priority", "30").ok();
        assertThat(statuses(team, null)).containsOnly(200);
        assertThat(get(team.urls().getFirst(), null).body()).contains("Priority: 30");

        admin.run(List.of("cache", "delete"), team.cache()).ok();
        assertThat(statuses(team, null)).as("a deleted cache").containsOnly(404);
    }

    @Test
    void nixSubstitutesAPrivateCacheWithANetrcFileAndNotWithout(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Pushed team = pushed(stack, nix, "netrc", "--private");
        String reader = token(stack, team.cache(), "read");
        Path netrc = work.resolve("netrc");
        Files.writeString(netrc, "machine 127.0.0.1 login nixfront password " + reader + "\n");
        Files.setPosixFilePermissions(netrc, PosixFilePermissions.fromString("rw-------"));

        NixTool.Result without = nix.copyFrom(team.substituter(), team.publicKey(), Files.createTempDirectory(work, "store-"),
                List.of(team.top()));
        assertThat(without.exit()).as("nix copy without credentials").isNotZero();

        Path store = Files.createTempDirectory(work, "store-");
        nix.withConfig("netrc-file = " + netrc).copyFrom(team.substituter(), team.publicKey(), store, List.of(team.top()))
                .ok("nix copy --from a private cache with a netrc file");
        assertThat(nix.pathInfo(store, team.closure()).ok("nix path-info").out().lines()).hasSize(4);
    }

    @Test
    void nixfrontUseWritesANetrcWithWhichNixSubstitutesUntilTheTokenIsRevoked(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Pushed team = pushed(stack, nix, "use", "--private");
        Path etcNix = Files.createDirectory(work.resolve("etc-nix"));
        Files.writeString(etcNix.resolve("netrc"), "machine github.com login me password ghp_x\n");

        Cli admin = Cli.admin(stack);
        Cli.Result used = admin.run(List.of("use"), team.cache(), "--nix-conf-dir", etcNix.toString()).ok();
        assertThat(used.out().lines()).as("stdout stays the nix.conf lines")
                .containsExactly("extra-substituters = " + team.substituter() + " " + Upstream.NIXOS.url(),
                        "extra-trusted-public-keys = " + team.publicKey() + " " + Upstream.NIXOS.publicKey());
        Matcher created = Pattern.compile("created read token (\\S+) of cache").matcher(used.err());
        assertThat(created.find()).as(used.err()).isTrue();
        Path netrc = etcNix.resolve("netrc");
        List<String> entries = Files.readAllLines(netrc);
        assertThat(entries).hasSize(2).first().isEqualTo("machine github.com login me password ghp_x");
        assertThat(entries.get(1)).startsWith("machine " + URI.create(team.substituter()).getHost() + " login nixfront password ");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(netrc))).isEqualTo("rw-------");
        assertThat(Files.readAllLines(etcNix.resolve("nix.conf"))).containsOnlyOnce("netrc-file = " + netrc);

        admin.run(List.of("use"), team.cache(), "--nix-conf-dir", etcNix.toString(), "--read-token", "nf_replaced").ok();
        assertThat(Files.readAllLines(netrc)).as("run again: the host's entry replaced, the nix.conf line not repeated").hasSize(2)
                .contains("machine 127.0.0.1 login nixfront password nf_replaced");
        assertThat(Files.readAllLines(etcNix.resolve("nix.conf"))).containsOnlyOnce("netrc-file = " + netrc);
        Files.writeString(netrc, String.join("\n", entries) + "\n");

        NixTool withNetrc = nix.withConfig("netrc-file = " + netrc);
        Path store = Files.createTempDirectory(work, "store-");
        withNetrc.copyFrom(team.substituter(), team.publicKey(), store, List.of(team.top())).ok("nix copy with the netrc nixfront use wrote");
        assertThat(nix.pathInfo(store, team.closure()).ok("nix path-info").out().lines()).hasSize(4);

        admin.run(List.of("token", "revoke"), created.group(1)).ok();
        NixTool.Result revoked = withNetrc.copyFrom(team.substituter(), team.publicKey(), Files.createTempDirectory(work, "store-"),
                List.of(team.top()));
        assertThat(revoked.exit()).as("nix copy after the token was revoked").isNotZero();
    }

    /**
     * curl finds netrc entries by host, so all private caches of one deployment share one token:
     * {@code use} keeps a token that reads the cache, and a token it makes for another cache also
     * reads what the one it replaces read, so a second {@code use} never cuts off the first cache.
     */
    @Test
    void nixfrontUseKeepsOneTokenPerHostThatReadsEveryCacheItWasUsedFor(LocalStack stack, @TempDir Path work) throws Exception {
        Cli admin = Cli.admin(stack);
        for (String name : List.of("host-a", "host-b", "host-c")) {
            admin.run(List.of("cache", "create"), name, "--private").ok();
        }
        Path etcNix = Files.createDirectory(work.resolve("etc-nix"));
        Path netrc = etcNix.resolve("netrc");
        admin.run(List.of("use"), "host-a", "--nix-conf-dir", etcNix.toString()).ok();
        String first = password(netrc);

        Cli.Result again = admin.run(List.of("use"), "host-a", "--nix-conf-dir", etcNix.toString()).ok();
        assertThat(again.err()).contains("reads cache host-a already: kept").doesNotContain("created read token");
        assertThat(password(netrc)).isEqualTo(first);

        Cli.Result other = admin.run(List.of("use"), "host-b", "--nix-conf-dir", etcNix.toString()).ok();
        assertThat(other.err()).contains("created read token", "of cache host-b, which also reads host-a");
        String widened = password(netrc);
        assertThat(widened).isNotEqualTo(first);
        assertThat(Files.readAllLines(netrc)).hasSize(1);
        assertThat(status(stack, "host-a", widened)).isEqualTo(200);
        assertThat(status(stack, "host-b", widened)).isEqualTo(200);
        assertThat(status(stack, "host-c", widened)).as("a cache it was never used for").isEqualTo(401);

        Cli.Result given = admin.run(List.of("use"), "host-c", "--nix-conf-dir", etcNix.toString(), "--read-token", first).ok();
        assertThat(given.err()).as("a given token that does not read the cache is written, with a warning")
                .contains("warning: this token does not read cache host-c");
        assertThat(password(netrc)).isEqualTo(first);
    }

    private static String password(Path netrc) throws IOException {
        String[] words = Files.readString(netrc).strip().split("\\s+");
        assertThat(words).hasSize(6);
        return words[5];
    }

    private static int status(LocalStack stack, String cache, String token) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(stack.cacheUrl() + "/" + cache + "/nix-cache-info"))
                .header("Authorization", "Bearer " + token).build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }
}
