package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream caches, judged by the real Nix: one local cache is the other's upstream (cache.nixos.org
 * is never asked: every cache here is made with {@code --no-default-upstream}). A push skips what
 * the upstream serves, signed by its key; the server accepts references to those paths and refuses
 * references the upstream lacks or signs with another key, or has removed since; and Nix
 * substitutes the closure from both caches with only their two keys trusted.
 */
@ExtendWith(LocalStackExtension.class)
class UpstreamEndToEndTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    @Test
    void aPushSkipsWhatTheUpstreamServesAndNixSubstitutesTheClosureFromBoth(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Cli cli = Cli.admin(stack);
        String seed = Closures.seed();
        String up = "up-" + seed.substring(0, 8);
        String down = "down-" + seed.substring(0, 8);
        cli.run(List.of("cache", "create"), up, "--no-default-upstream").ok();
        JsonNode upInfo = info(cli, up);
        assertThat(upInfo.get("upstreams")).isEmpty();
        String upKey = upInfo.get("publicKey").asText();
        String upUrl = upInfo.get("substituter").asText();
        cli.run(List.of("cache", "create"), down, "--no-default-upstream", "--upstream", upUrl, "--upstream-key", upKey).ok();
        JsonNode downInfo = info(cli, down);
        assertThat(downInfo.get("upstreams")).hasSize(1);
        assertThat(downInfo.get("upstreams").get(0).get("url").asText()).isEqualTo(upUrl);
        assertThat(downInfo.get("upstreams").get(0).get("publicKey").asText()).isEqualTo(upKey);
        String downKey = downInfo.get("publicKey").asText();
        String downUrl = downInfo.get("substituter").asText();

        String top = nix.build(Closures.chain(seed, 4096)).getFirst();
        List<String> closure = nix.closure(top);
        assertThat(closure).hasSize(4);
        String middle = closure.stream().filter(p -> p.contains("-middle-")).findFirst().orElseThrow();

        // The upstream gets middle and base; the push to down then uploads only big and top.
        JsonNode toUp = Json.mapper().readTree(cli.run(List.of("push"), up, middle, "--json").ok().out());
        assertThat(toUp.get("pushed").asInt()).isEqualTo(2);
        JsonNode toDown = Json.mapper().readTree(cli.run(List.of("push"), down, top, "--json").ok().out());
        assertThat(toDown.get("paths").asInt()).isEqualTo(4);
        assertThat(toDown.get("upstream").asInt()).as("served by the upstream").isEqualTo(2);
        assertThat(toDown.get("pushed").asInt()).isEqualTo(2);
        assertThat(toDown.get("skipped").asInt()).isZero();
        assertThat(narInfoStatus(downUrl, middle)).as("middle was not pushed to down").isEqualTo(404);

        // nix.conf lines for both caches, the cache's first.
        String use = cli.run(List.of("use"), down).ok().out();
        assertThat(use).contains("extra-substituters = " + downUrl + " " + upUrl)
                .contains("extra-trusted-public-keys = " + downKey + " " + upKey);

        Path store = Files.createTempDirectory(work, "store-");
        nix.run("nix-store", "--store", store.toString(), "--realise", top, "--option", "substituters", downUrl + " " + upUrl,
                "--option", "trusted-public-keys", downKey + " " + upKey, "--option", "narinfo-cache-negative-ttl", "0")
                .ok("nix-store --realise from both substituters");
        assertThat(nix.pathInfo(store, closure).ok("nix path-info").out().lines()).hasSize(4);

        Path onlyDown = Files.createTempDirectory(work, "store-");
        assertThat(nix.copyFrom(downUrl, downKey, onlyDown, List.of(top)).exit())
                .as("down alone lacks the upstream's paths").isNotZero();
    }

    @Test
    void publishRefusesAReferenceTheUpstreamLacksOrSignsWithAnotherKey(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Cli cli = Cli.admin(stack);
        String seed = Closures.seed();
        String up = "up2-" + seed.substring(0, 8);
        String down = "down2-" + seed.substring(0, 8);
        String wrong = "wrong-" + seed.substring(0, 8);
        cli.run(List.of("cache", "create"), up, "--no-default-upstream").ok();
        JsonNode upInfo = info(cli, up);
        String upUrl = upInfo.get("substituter").asText();
        cli.run(List.of("cache", "create"), down, "--no-default-upstream", "--upstream", upUrl,
                "--upstream-key", upInfo.get("publicKey").asText()).ok();
        // The right URL with another cache's key: the upstream's signatures do not verify.
        String otherKey = info(cli, down).get("publicKey").asText();
        cli.run(List.of("cache", "create"), wrong, "--no-default-upstream").ok();
        cli.run(List.of("cache", "update"), wrong, "--no-default-upstream", "--upstream", upUrl, "--upstream-key", otherKey).ok();

        List<String> closure = nix.closure(nix.build(Closures.chain(seed, 4096)).getFirst());
        String base = closure.stream().filter(p -> p.contains("-base-")).findFirst().orElseThrow();
        String middle = closure.stream().filter(p -> p.contains("-middle-")).findFirst().orElseThrow();
        String downUrl = info(cli, down).get("substituter").asText();

        Cli.Result lacking = cli.run(List.of("push"), down, middle, "--no-closure");
        assertThat(lacking.exit()).as("base is in neither down nor its upstream").isNotZero();
        assertThat(lacking.err()).contains("conflict").contains("nor served, validly signed, by its upstreams: 1");

        cli.run(List.of("push"), up, base).ok();
        Cli.Result badSignature = cli.run(List.of("push"), wrong, middle, "--no-closure");
        assertThat(badSignature.exit()).as("the upstream's narinfo is not signed by the key wrong trusts").isNotZero();
        assertThat(badSignature.err()).contains("conflict").contains("nor served, validly signed, by its upstreams: 1");

        JsonNode accepted = Json.mapper().readTree(cli.run(List.of("push"), down, middle, "--no-closure", "--json").ok().out());
        assertThat(accepted.get("pushed").asInt()).isEqualTo(1);
        assertThat(narInfoStatus(downUrl, middle)).isEqualTo(200);

        // The upstream removes base: a cache made now must not accept middle on the strength of an
        // answer the server got before (it used to remember a "yes" for an hour, for every cache).
        cli.run(List.of("path", "rm"), up, base).ok();
        String fresh = "fresh-" + seed.substring(0, 8);
        cli.run(List.of("cache", "create"), fresh, "--no-default-upstream", "--upstream", upUrl,
                "--upstream-key", upInfo.get("publicKey").asText()).ok();
        Cli.Result removed = cli.run(List.of("push"), fresh, middle, "--no-closure");
        assertThat(removed.exit()).as("base is no longer served by the upstream").isNotZero();
        assertThat(removed.err()).contains("conflict").contains("nor served, validly signed, by its upstreams: 1");
    }

    private static int narInfoStatus(String cacheUrl, String storePath) throws Exception {
        String hash = storePath.substring("/nix/store/".length(), "/nix/store/".length() + 32);
        return HTTP.send(HttpRequest.newBuilder(URI.create(cacheUrl + "/" + hash + ".narinfo")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static JsonNode info(Cli cli, String cache) throws Exception {
        return Json.mapper().readTree(cli.run(List.of("cache", "info"), cache, "--json").ok().out());
    }
}
