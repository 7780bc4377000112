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
 * The whole flow, judged by the real Nix: build a closure, {@code nixfront push} it to the local
 * stack, then {@code nix copy --from} the cache into an empty store with the cache's key trusted.
 */
@ExtendWith(LocalStackExtension.class)
class PushAndSubstituteTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    @Test
    void aPushedClosureSubstitutesWithTheCacheKeyOnlyAndASecondPushUploadsNothing(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Cli cli = Cli.admin(stack);
        String cache = "e2e-" + Closures.seed().substring(0, 8);
        cli.run(List.of("cache", "create"), cache).ok();
        JsonNode info = Json.mapper().readTree(cli.run(List.of("cache", "info"), cache, "--json").ok().out());
        String key = info.get("publicKey").asText();
        String substituter = info.get("substituter").asText();
        assertThat(substituter).isEqualTo(stack.cacheUrl() + "/" + cache);

        // 6 MiB of random bytes: above the 5 MiB multipart threshold even compressed.
        String top = nix.build(Closures.chain(Closures.seed(), 6L << 20)).getFirst();
        List<String> closure = nix.closure(top);
        assertThat(closure).hasSize(4);

        JsonNode cold = Json.mapper().readTree(cli.run(List.of("push"), cache, top, "--json").ok().out());
        assertThat(cold.get("paths").asInt()).isEqualTo(4);
        assertThat(cold.get("pushed").asInt()).isEqualTo(4);
        assertThat(cold.get("uploadedBytes").asLong()).isGreaterThan(6L << 20);

        HttpResponse<String> cacheInfo = HTTP.send(HttpRequest.newBuilder(URI.create(substituter + "/nix-cache-info")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(cacheInfo.statusCode()).isEqualTo(200);
        assertThat(cacheInfo.headers().firstValue("content-type")).contains("text/x-nix-cache-info");
        assertThat(cacheInfo.body()).contains("StoreDir: /nix/store");

        Path store = Files.createTempDirectory(work, "store-");
        nix.copyFrom(substituter, key, store, List.of(top)).ok("nix copy --from the cache");
        assertThat(nix.pathInfo(store, closure).ok("nix path-info").out().lines()).hasSize(4);

        String otherKey = "other-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=";
        NixTool.Result untrusted = nix.copyFrom(substituter, otherKey, Files.createTempDirectory(work, "store-"), List.of(top));
        assertThat(untrusted.exit()).as("nix copy trusting another key").isNotZero();

        JsonNode warm = Json.mapper().readTree(cli.run(List.of("push"), cache, top, "--json").ok().out());
        assertThat(warm.get("skipped").asInt()).isEqualTo(4);
        assertThat(warm.get("pushed").asInt()).isZero();
        assertThat(warm.get("uploadedBytes").asLong()).isZero();
    }

    @Test
    void twoCachesWithTheirOwnKeysDoNotSeeEachOthersPaths(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Cli cli = Cli.admin(stack);
        String seed = Closures.seed().substring(0, 8);
        String one = "one-" + seed;
        String two = "two-" + seed;
        cli.run(List.of("cache", "create"), one).ok();
        cli.run(List.of("cache", "create"), two).ok();
        JsonNode infoOne = Json.mapper().readTree(cli.run(List.of("cache", "info"), one, "--json").ok().out());
        JsonNode infoTwo = Json.mapper().readTree(cli.run(List.of("cache", "info"), two, "--json").ok().out());
        assertThat(infoOne.get("publicKey").asText()).isNotEqualTo(infoTwo.get("publicKey").asText());

        String top = nix.build(Closures.chain(Closures.seed(), 1000)).getFirst();
        cli.run(List.of("push"), one, top, "--json").ok();
        String hash = Path.of(top).getFileName().toString().substring(0, 32);
        assertThat(status(infoOne.get("substituter").asText() + "/" + hash + ".narinfo")).isEqualTo(200);
        assertThat(status(infoTwo.get("substituter").asText() + "/" + hash + ".narinfo")).isEqualTo(404);

        NixTool.Result fromTwo = nix.copyFrom(infoTwo.get("substituter").asText(), infoTwo.get("publicKey").asText(),
                Files.createTempDirectory(work, "store-"), List.of(top));
        assertThat(fromTwo.exit()).isNotZero();
        nix.copyFrom(infoOne.get("substituter").asText(), infoOne.get("publicKey").asText(),
                Files.createTempDirectory(work, "store-"), List.of(top)).ok("nix copy from the cache pushed to");
    }

    private static int status(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
