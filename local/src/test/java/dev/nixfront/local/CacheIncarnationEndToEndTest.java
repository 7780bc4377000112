package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deleting a cache and creating one of the same name, as a user would with the real CLI: nothing of
 * the old cache is readable or indexed in the new one, the old cache's tokens are refused by it,
 * and Nix substitutes what is pushed anew with the new key only. The stack frees a deleted name at
 * once here; in AWS it stays reserved until no verify job queued before the deletion can run.
 */
class CacheIncarnationEndToEndTest {
    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    private static int get(URI uri) throws Exception {
        return PresignedHttp.HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void aCacheCreatedAgainUnderADeletedNameStartsEmptyAndRefusesTheOldTokens(@TempDir Path work) throws Exception {
        Path directory = work.resolve("stack");
        try (LocalStack stack = LocalStack.start(new LocalStack.Options(directory, 0, 0,
                settings -> settings.withNameReservation(Duration.ZERO)))) {
            Cli admin = Cli.admin(stack);
            NixTool nix = new NixTool(work);
            String cache = "again-" + Closures.seed().substring(0, 8);
            admin.run(List.of("cache", "create"), cache).ok();
            JsonNode first = Json.mapper().readTree(admin.run(List.of("cache", "info"), cache, "--json").ok().out());
            String writer = admin.run(List.of("token", "create"), "--cache", cache, "--permission", "write").ok().out().strip();

            String top = nix.build(Closures.chain(Closures.seed(), 32 << 10)).getFirst();
            List<String> closure = nix.closure(top);
            new Cli(stack, writer).run(List.of("push"), cache, top).ok();
            String topHash = Path.of(top).getFileName().toString().substring(0, 32);
            URI narInfo = URI.create(stack.cacheUrl() + "/" + cache + "/" + topHash + ".narinfo");
            assertThat(get(narInfo)).isEqualTo(200);

            admin.run(List.of("cache", "delete"), cache).ok();
            assertThat(get(narInfo)).isEqualTo(404);
            assertThat(get(URI.create(stack.cacheUrl() + "/" + cache + "/nix-cache-info"))).isEqualTo(404);

            admin.run(List.of("cache", "create"), cache).ok();
            JsonNode second = Json.mapper().readTree(admin.run(List.of("cache", "info"), cache, "--json").ok().out());
            assertThat(second.get("publicKey").asText()).isNotEqualTo(first.get("publicKey").asText());
            assertThat(get(narInfo)).as("nothing of the deleted cache in the new one").isEqualTo(404);

            Cli.Result refused = new Cli(stack, writer).run(List.of("push"), cache, top);
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.err()).contains("earlier cache named " + cache);

            JsonNode pushed = Json.mapper().readTree(admin.run(List.of("push"), cache, top, "--json").ok().out());
            assertThat(pushed.get("pushed").asInt()).as("the new cache's index starts empty").isEqualTo(closure.size());
            Path store = Files.createTempDirectory(work, "store-");
            nix.copyFrom(second.get("substituter").asText(), second.get("publicKey").asText(), store, List.of(top))
                    .ok("nix copy --from the cache created again, with its new key only");
            Path other = Files.createTempDirectory(work, "old-key-");
            assertThat(nix.copyFrom(second.get("substituter").asText(), first.get("publicKey").asText(), other, List.of(top))
                    .exit()).as("the deleted cache's key signs nothing there").isNotZero();
        } finally {
            LocalStackExtension.deleteTree(directory);
        }
    }
}
