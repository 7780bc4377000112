package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.nixfront.api.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nixfront import} judged by the real Nix: a {@code file://} cache written and signed by
 * {@code nix copy} is imported, and Nix substitutes the whole closure from the nixfront cache into
 * an empty store with only the nixfront cache's key trusted; a second run imports nothing. A narinfo
 * whose signature does not verify and a NAR file that does not match its FileHash are refused, with
 * every path referring to them, and nothing of them is published. The same directory served over
 * HTTP is imported from roots.
 */
@ExtendWith(LocalStackExtension.class)
class ImportEndToEndTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    /** A source binary cache written by Nix: its directory, its public key, and the closures in it. */
    private record SourceCache(Path directory, String publicKey, List<String> tops, List<String> paths) {
    }

    /** The cache a test imports into: its name, substituter URL and public key. */
    private record Target(String name, String substituter, String key) {
        static Target create(Cli admin, String prefix) throws IOException {
            String name = prefix + "-" + Closures.seed().substring(0, 8);
            admin.run(List.of("cache", "create"), name).ok();
            JsonNode info = Json.mapper().readTree(admin.run(List.of("cache", "info"), name, "--json").ok().out());
            return new Target(name, info.get("substituter").asText(), info.get("publicKey").asText());
        }
    }

    /**
     * Builds {@code closures} chains ({@code base <- middle <- top}, {@code big <- top}) and copies
     * them with {@code nix copy} to a fresh {@code file://} cache, xz-compressed and signed by a key
     * made for it, as a team's existing cache would be.
     */
    private static SourceCache sourceCache(NixTool nix, Path work, int closures, long bigBytes) throws Exception {
        Path keys = Files.createTempDirectory(work, "keys-");
        Path secret = keys.resolve("secret");
        Path pub = keys.resolve("public");
        nix.run("nix-store", "--generate-binary-cache-key", "old-cache-" + Closures.seed().substring(0, 6), secret.toString(), pub.toString())
                .ok("nix-store --generate-binary-cache-key");
        Path directory = Files.createTempDirectory(work, "old-cache-");
        List<String> tops = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < closures; i++) {
            String top = nix.build(Closures.chain(Closures.seed(), bigBytes)).getFirst();
            tops.add(top);
            paths.addAll(nix.closure(top));
        }
        List<String> copy = new ArrayList<>(List.of("nix", "copy", "--to", "file://" + directory + "?compression=xz&secret-key=" + secret));
        copy.addAll(tops);
        nix.run(copy.toArray(String[]::new)).ok("nix copy --to file://");
        return new SourceCache(directory, Files.readString(pub).strip(), tops, paths);
    }

    private static String hash(String storePath) {
        return Path.of(storePath).getFileName().toString().substring(0, 32);
    }

    private static String named(List<String> paths, String prefix) {
        return paths.stream().filter(p -> Path.of(p).getFileName().toString().substring(33).startsWith(prefix)).findFirst().orElseThrow();
    }

    private static Path narinfo(SourceCache source, String path) {
        return source.directory().resolve(hash(path) + ".narinfo");
    }

    private static String field(String narinfo, String name) {
        return narinfo.lines().filter(l -> l.startsWith(name + ": ")).findFirst().orElseThrow().substring(name.length() + 2);
    }

    private static int status(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static JsonNode json(Cli.Result result) throws IOException {
        return Json.mapper().readTree(result.out());
    }

    private static Map<String, String> refusals(JsonNode summary) {
        Map<String, String> reasons = new HashMap<>();
        summary.get("refused").forEach(r -> reasons.put(r.get("storePath").asText(), r.get("reason").asText()));
        return reasons;
    }

    @Test
    void aFileCacheWrittenByNixCopyIsImportedAndNixSubstitutesItTrustingOnlyTheNewKeyAndASecondRunImportsNothing(
            LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Cli admin = Cli.admin(stack);
        // A big path over the local stack's multipart threshold: its NAR goes up in parts.
        SourceCache source = sourceCache(nix, work, 1, LocalStackExtension.MULTIPART_THRESHOLD + 1_000_000);
        assertThat(source.paths()).hasSize(4);
        assertThat(Files.readString(narinfo(source, source.tops().getFirst()))).contains("Compression: xz", "Sig: old-cache-");
        Target target = Target.create(admin, "imp");

        Cli.Result first = admin.run(List.of("import"), "file://" + source.directory(), target.name(), "--source-key", source.publicKey(), "--json");
        assertThat(first.exit()).as(first.err()).isZero();
        JsonNode summary = json(first);
        assertThat(summary.get("seen").asInt()).isEqualTo(4);
        assertThat(summary.get("imported").asInt()).isEqualTo(4);
        assertThat(summary.get("alreadyThere").asInt()).isZero();
        assertThat(summary.get("refused")).isEmpty();
        assertThat(summary.get("roots").asInt()).as("the top is recorded as a root").isEqualTo(1);

        Path store = Files.createTempDirectory(work, "store-");
        nix.copyFrom(target.substituter(), target.key(), store, source.tops()).ok("nix copy --from the imported cache, its key only");
        assertThat(nix.pathInfo(store, source.paths()).ok("nix path-info").out().lines()).hasSize(4);
        String served = HTTP.send(HttpRequest.newBuilder(URI.create(target.substituter() + "/" + hash(source.tops().getFirst()) + ".narinfo")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(served).as("signed by the cache, not by the source").contains("Sig: " + target.key().substring(0, target.key().indexOf(':') + 1))
                .doesNotContain("Sig: old-cache-");

        Cli.Result second = admin.run(List.of("import"), "file://" + source.directory(), target.name(), "--source-key", source.publicKey());
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(second.out()).startsWith("imported 0 of 4 paths").contains("(4 already there, 0 refused)");
    }

    @Test
    void aBadSignatureOrATamperedNarIsRefusedWithItsReferrersAndNothingOfThemIsPublished(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Cli admin = Cli.admin(stack);
        SourceCache source = sourceCache(nix, work, 2, 3000);
        List<String> a = nix.closure(source.tops().get(0));
        List<String> b = nix.closure(source.tops().get(1));

        // A: base's signature no longer verifies (one bit of it flipped; still 64 bytes).
        Path baseInfo = narinfo(source, named(a, "base-"));
        String text = Files.readString(baseInfo);
        String sig = field(text, "Sig");
        byte[] bytes = Base64.getDecoder().decode(sig.substring(sig.indexOf(':') + 1));
        bytes[10] ^= 1;
        Files.writeString(baseInfo, text.replace(sig, sig.substring(0, sig.indexOf(':') + 1) + Base64.getEncoder().encodeToString(bytes)));
        // B: big's NAR file has one byte changed, so it no longer matches the FileHash its narinfo signs.
        Path bigNar = source.directory().resolve(field(Files.readString(narinfo(source, named(b, "big-"))), "URL"));
        byte[] nar = Files.readAllBytes(bigNar);
        nar[nar.length / 2] ^= 0x55;
        Files.write(bigNar, nar);

        Target target = Target.create(admin, "imp-bad");
        Cli.Result run = admin.run(List.of("import"), "file://" + source.directory(), target.name(), "--source-key", source.publicKey(), "--json");
        assertThat(run.exit()).as("an import with refusals exits 1").isEqualTo(1);
        JsonNode summary = json(run);
        Map<String, String> refused = refusals(summary);
        assertThat(refused.get(named(a, "base-"))).startsWith("no valid signature by old-cache-");
        assertThat(refused.get(named(a, "middle-"))).isEqualTo("refers to " + named(a, "base-") + ", which is not imported");
        assertThat(refused.get(named(b, "big-"))).startsWith("FileHash mismatch");
        assertThat(refused.get(named(b, "top-"))).isEqualTo("refers to " + named(b, "big-") + ", which is not imported");
        assertThat(refused).containsKey(named(a, "top-")).hasSize(5);
        Set<String> imported = Set.of(named(a, "big-"), named(b, "base-"), named(b, "middle-"));
        assertThat(summary.get("imported").asInt()).isEqualTo(imported.size());

        Set<String> narKeys = new HashSet<>();
        for (String path : source.paths()) {
            String url = target.substituter() + "/" + hash(path) + ".narinfo";
            if (imported.contains(path)) {
                String served = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
                narKeys.add(target.name() + "/" + field(served, "URL"));
            } else {
                assertThat(status(url)).as("refused " + path).isEqualTo(404);
            }
        }
        List<String> stored = new ArrayList<>();
        stack.s3().listObjectsV2Paginator(r -> r.bucket(LocalStack.BUCKET).prefix(target.name() + "/nar/")).contents().forEach(o -> stored.add(o.key()));
        assertThat(stored).as("no NAR of a refused path in the cache").containsExactlyInAnyOrderElementsOf(narKeys);
        Path store = Files.createTempDirectory(work, "store-");
        nix.copyFrom(target.substituter(), target.key(), store, List.of(named(b, "middle-"))).ok("nix copy of what was imported");
    }

    @Test
    void anHttpCacheIsImportedFromRootsAndCannotBeImportedWithoutThem(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Cli admin = Cli.admin(stack);
        SourceCache source = sourceCache(nix, work, 1, 3000);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            Path file = source.directory().resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            if (!file.startsWith(source.directory()) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            exchange.sendResponseHeaders(200, Files.size(file));
            try (OutputStream out = exchange.getResponseBody()) {
                Files.copy(file, out);
            }
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort();
            Target target = Target.create(admin, "imp-http");
            Cli.Result unlisted = admin.run(List.of("import"), url, target.name(), "--source-key", source.publicKey());
            assertThat(unlisted.exit()).isEqualTo(1);
            assertThat(unlisted.err()).contains("cannot be listed").contains("--roots");

            Path roots = work.resolve("roots");
            // A full store path, and a narinfo name as listing a bucket prints it.
            Files.writeString(roots, "# what the old cache served\n" + source.tops().getFirst() + "\n"
                    + hash(named(source.paths(), "middle-")) + ".narinfo\n");
            Cli.Result run = admin.run(List.of("import"), url, target.name(), "--source-key", source.publicKey(), "--roots", roots.toString(), "--json");
            assertThat(run.exit()).as(run.err()).isZero();
            JsonNode summary = json(run);
            assertThat(summary.get("seen").asInt()).isEqualTo(4);
            assertThat(summary.get("imported").asInt()).isEqualTo(4);
            assertThat(summary.get("roots").asInt()).isEqualTo(2);
            Path store = Files.createTempDirectory(work, "store-");
            nix.copyFrom(target.substituter(), target.key(), store, source.tops()).ok("nix copy --from the cache imported over HTTP");
            assertThat(nix.pathInfo(store, source.paths()).ok("nix path-info").out().lines()).hasSize(4);
        } finally {
            server.stop(0);
        }
    }
}
