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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection on {@code ./nixfront local}, judged by the real Nix: closures A and B pushed,
 * A pinned, a retention of 0s and no NAR grace; a dry run says what would go and why and changes
 * nothing; the collection leaves B's paths 404 (narinfo and NAR), A substitutable into an empty store
 * with only the cache's key trusted, and no NAR object that no narinfo names.
 */
@ExtendWith(LocalStackExtension.class)
class GarbageCollectionEndToEndTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    private static int status(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String body(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String hash(String storePath) {
        return Path.of(storePath).getFileName().toString().substring(0, 32);
    }

    /** The narinfo URL and NAR URL of every path of {@code closure} in the cache at {@code substituter}. */
    private static List<String> urls(String substituter, List<String> closure) throws Exception {
        List<String> urls = new ArrayList<>();
        for (String path : closure) {
            String narinfo = substituter + "/" + hash(path) + ".narinfo";
            urls.add(narinfo);
            String url = body(narinfo).lines().filter(l -> l.startsWith("URL: ")).findFirst().orElseThrow().substring(5);
            urls.add(substituter + "/" + url);
        }
        return urls;
    }

    @Test
    void aCollectionRemovesWhatNoPinOrRecentRootKeepsAndNixStillSubstitutesThePinnedClosure(LocalStack stack, @TempDir Path work)
            throws Exception {
        NixTool nix = new NixTool(work);
        Cli admin = Cli.admin(stack);
        String cache = "gc-" + Closures.seed().substring(0, 8);
        admin.run(List.of("cache", "create"), cache).ok();
        JsonNode info = Json.mapper().readTree(admin.run(List.of("cache", "info"), cache, "--json").ok().out());
        String substituter = info.get("substituter").asText();
        String key = info.get("publicKey").asText();
        String a = nix.build(Closures.chain(Closures.seed(), 3000)).getFirst();
        String b = nix.build(Closures.chain(Closures.seed(), 3000)).getFirst();
        admin.run(List.of("push"), cache, a).ok();
        admin.run(List.of("push"), cache, b).ok();
        admin.run(List.of("pin"), cache, "release", a).ok();
        List<String> closureA = nix.closure(a);
        List<String> closureB = nix.closure(b);
        List<String> urlsA = urls(substituter, closureA);
        List<String> urlsB = urls(substituter, closureB);
        assertThat(closureB).hasSize(4).doesNotContainAnyElementsOf(closureA);
        for (String url : urlsA) {
            assertThat(status(url)).as(url).isEqualTo(200);
        }

        // A retention of 0s keeps only what pins keep: every push so far is older than it.
        admin.run(List.of("cache", "update"), cache, "--retention", "0s", "--nar-grace", "0s").ok();

        JsonNode dry = Json.mapper().readTree(admin.run(List.of("gc"), cache, "--dry-run", "--json").ok().out());
        assertThat(dry.get("dryRun").asBoolean()).isTrue();
        assertThat(dry.get("pathsCollected").asInt()).isEqualTo(4);
        Set<String> doomed = new HashSet<>();
        dry.get("paths").forEach(p -> {
            doomed.add(p.get("storePath").asText());
            assertThat(p.get("reason").asText()).startsWith("not in the closure of a pin or of a root pushed since");
        });
        assertThat(doomed).containsExactlyInAnyOrderElementsOf(closureB);
        assertThat(dry.get("narsDeleted").asInt()).isEqualTo(4);
        for (String url : urlsB) {
            assertThat(status(url)).as("a dry run changes nothing: " + url).isEqualTo(200);
        }

        JsonNode done = Json.mapper().readTree(admin.run(List.of("gc"), cache, "--json").ok().out());
        assertThat(done.get("pathsCollected").asInt()).isEqualTo(4);
        assertThat(done.get("narsDeleted").asInt()).isEqualTo(4);

        for (String url : urlsB) {
            assertThat(status(url)).as(url).isEqualTo(404);
        }
        Path store = Files.createTempDirectory(work, "store-");
        nix.copyFrom(substituter, key, store, List.of(a)).ok("nix copy --from the cache of the pinned closure");
        assertThat(nix.pathInfo(store, closureA).ok("nix path-info").out().lines()).hasSize(closureA.size());
        NixTool.Result gone = nix.copyFrom(substituter, key, Files.createTempDirectory(work, "store-"), List.of(b));
        assertThat(gone.exit()).as("B is gone from the cache").isNotZero();

        Set<String> named = new HashSet<>();
        for (String path : closureA) {
            named.add(cache + "/" + body(substituter + "/" + hash(path) + ".narinfo").lines()
                    .filter(l -> l.startsWith("URL: ")).findFirst().orElseThrow().substring(5));
        }
        List<String> nars = new ArrayList<>();
        stack.s3().listObjectsV2Paginator(r -> r.bucket(LocalStack.BUCKET).prefix(cache + "/nar/")).contents()
                .forEach(o -> nars.add(o.key()));
        assertThat(nars).as("no NAR object that no narinfo names").containsExactlyInAnyOrderElementsOf(named);

        JsonNode again = Json.mapper().readTree(admin.run(List.of("gc"), cache, "--json").ok().out());
        assertThat(again.get("pathsCollected").asInt()).as("a second collection finds nothing more").isZero();
    }

    /**
     * {@code nixfront path rm}: removing a path that a path staying references is refused, naming
     * it; {@code --recursive} removes the referrers too, and nothing else: what they referenced still
     * substitutes with the real Nix. The removed paths' NARs outlive their narinfos by the grace.
     */
    @Test
    void pathRmRefusesWhileAReferrerStaysAndRecursiveTakesTheReferrersToo(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Cli admin = Cli.admin(stack);
        String cache = "rm-" + Closures.seed().substring(0, 8);
        admin.run(List.of("cache", "create"), cache).ok();
        JsonNode info = Json.mapper().readTree(admin.run(List.of("cache", "info"), cache, "--json").ok().out());
        String substituter = info.get("substituter").asText();
        String key = info.get("publicKey").asText();
        String top = nix.build(Closures.chain(Closures.seed(), 3000)).getFirst();
        admin.run(List.of("push"), cache, top).ok();
        List<String> closure = nix.closure(top);
        String middle = closure.stream().filter(p -> p.contains("-middle-")).findFirst().orElseThrow();
        String base = closure.stream().filter(p -> p.contains("-base-")).findFirst().orElseThrow();
        String big = closure.stream().filter(p -> p.contains("-big-")).findFirst().orElseThrow();
        List<String> narUrls = urls(substituter, List.of(middle)).subList(1, 2);

        Cli.Result refused = admin.run(List.of("path", "rm"), cache, middle);
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("conflict", top, "--recursive");
        assertThat(status(substituter + "/" + hash(middle) + ".narinfo")).as("a refusal changes nothing").isEqualTo(200);
        assertThat(admin.run(List.of("path", "rm"), cache, "/nix/store/" + "0".repeat(32) + "-never-pushed").err())
                .contains("not found", "not published");

        JsonNode removed = Json.mapper().readTree(admin.run(List.of("path", "rm"), cache, middle, "--recursive", "--json").ok().out());
        Set<String> gone = new HashSet<>();
        removed.get("paths").forEach(p -> gone.add(p.get("storePath").asText()));
        assertThat(gone).containsExactlyInAnyOrder(middle, top);
        assertThat(status(substituter + "/" + hash(middle) + ".narinfo")).isEqualTo(404);
        assertThat(status(substituter + "/" + hash(top) + ".narinfo")).isEqualTo(404);
        assertThat(status(narUrls.getFirst())).as("the NAR outlives its narinfo by the grace (30 days by default)").isEqualTo(200);

        Path store = Files.createTempDirectory(work, "store-");
        nix.copyFrom(substituter, key, store, List.of(base, big)).ok("nix copy --from the cache of what the removed paths referenced");
        assertThat(nix.pathInfo(store, List.of(base, big)).ok("nix path-info").out().lines()).hasSize(2);
    }
}
