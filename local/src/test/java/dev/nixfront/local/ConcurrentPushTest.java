package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Two clients pushing overlapping closures at the same moment both succeed, and nothing is half-published. */
@ExtendWith(LocalStackExtension.class)
class ConcurrentPushTest {
    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    @Test
    void overlappingConcurrentPushesBothSucceedAndEveryPathIsPublishedIntact(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Cli cli = Cli.admin(stack);
        String cache = "race-" + Closures.seed().substring(0, 8);
        cli.run(List.of("cache", "create"), cache).ok();
        String key = Json.mapper().readTree(cli.run(List.of("cache", "info"), cache, "--json").ok().out()).get("publicKey").asText();
        List<String> tops = nix.build(Closures.overlapping(Closures.seed(), 24));
        assertThat(tops).hasSize(2);

        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Cli.Result>> pushes = new ArrayList<>();
        for (String top : tops) {
            pushes.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return cli.run(List.of("push"), cache, top, "-j", "4", "--json");
            }));
        }
        start.countDown();
        for (CompletableFuture<Cli.Result> push : pushes) {
            push.join().ok();
        }

        Set<String> all = new LinkedHashSet<>();
        for (String top : tops) {
            all.addAll(nix.closure(top));
        }
        assertThat(all).hasSize(26);
        HttpClient http = HttpClient.newHttpClient();
        for (String path : all) {
            String hash = Path.of(path).getFileName().toString().substring(0, 32);
            HttpResponse<String> narinfo = http.send(HttpRequest.newBuilder(URI.create(stack.cacheUrl() + "/" + cache + "/" + hash + ".narinfo")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(narinfo.statusCode()).as(path).isEqualTo(200);
            assertThat(narinfo.body()).contains("StorePath: " + path + "\n").containsOnlyOnce("Sig: ");
        }
        // Nix checks every NAR against its NarHash on import: the whole union arrives intact.
        nix.copyFrom(stack.cacheUrl() + "/" + cache, key, Files.createTempDirectory(work, "store-"), tops).ok("nix copy of both closures");
        String again = cli.run(List.of("push"), cache, tops.get(0), tops.get(1), "--json").ok().out();
        assertThat(Json.mapper().readTree(again).get("pushed").asInt()).isZero();
    }
}
