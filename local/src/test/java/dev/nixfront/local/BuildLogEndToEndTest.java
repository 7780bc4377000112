package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import dev.nixfront.api.BuildLog;
import dev.nixfront.api.LogResult;
import dev.nixfront.api.LogsRequest;
import dev.nixfront.api.SignedRequest;
import dev.nixfront.cli.client.NixfrontClient;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.compress.CompressionStreams;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Build logs on {@code ./nixfront local}, judged by the real Nix: {@code push} uploads the log Nix
 * kept for the pushed path's deriver, and {@code nix log --store <cache URL> PATH} prints it (Nix
 * finds it through the narinfo's Deriver, decoding the stored zstd by its Content-Encoding). A log is
 * a cache's like its paths: a private cache's needs a read token, and removing the path removes it.
 */
@ExtendWith(LocalStackExtension.class)
class BuildLogEndToEndTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void nixLogPrintsThePushedLogThroughTheCacheAndOnlyWhileItsPathIsThere(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Cli admin = Cli.admin(stack);
        String seed = Closures.seed();
        String cache = "logs-" + seed.substring(0, 8);
        admin.run(List.of("cache", "create"), cache).ok();
        JsonNode info = Json.mapper().readTree(admin.run(List.of("cache", "info"), cache, "--json").ok().out());
        String substituter = info.get("substituter").asText();
        // Several hundred lines, so that zstd has something to compress, and a marker no other build prints.
        String path = nix.build("""
                derivation {
                  name = "logged-%1$s"; system = builtins.currentSystem; builder = "/bin/sh";
                  args = [ "-c" "echo 'nixfront build log %1$s'; i=0; while [ $i -lt 400 ]; do echo \\"line $i of the build\\"; i=$((i+1)); done; echo 'to stderr %1$s' >&2; echo x > $out" ];
                }
                """.formatted(seed)).getFirst();

        JsonNode pushed = Json.mapper().readTree(admin.run(List.of("push"), cache, path, "--json").ok().out());
        assertThat(pushed.get("logs").asInt()).isEqualTo(1);

        NixTool.Result log = nix.run("nix", "log", "--store", substituter, path).ok("nix log --store " + substituter);
        assertThat(log.out()).contains("nixfront build log " + seed).contains("line 399 of the build").contains("to stderr " + seed);
        assertThat(log.err()).contains("got build log for '" + path + "' from '" + substituter + "'");

        String deriver = nix.run("nix-store", "--query", "--deriver", path).ok("nix-store -q --deriver").out().strip();
        String logUrl = substituter + "/log/" + Path.of(deriver).getFileName();
        HttpResponse<String> served = get(logUrl);
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("Content-Encoding")).contains("zstd");
        assertThat(served.headers().firstValue("Content-Type")).contains("text/plain; charset=utf-8");

        // A second push of the same path finds it published and uploads nothing, its log included.
        JsonNode again = Json.mapper().readTree(admin.run(List.of("push"), cache, path, "--json").ok().out());
        assertThat(again.get("pushed").asInt()).isZero();
        assertThat(again.get("logs").asInt()).isZero();

        admin.run(List.of("cache", "update"), cache, "--private").ok();
        assertThat(get(logUrl).statusCode()).as("a private cache's log needs a read token").isEqualTo(401);
        admin.run(List.of("cache", "update"), cache, "--public").ok();

        admin.run(List.of("path", "rm"), cache, path).ok();
        assertThat(get(logUrl).statusCode()).as("the log went with its path").isEqualTo(404);
        NixTool.Result none = nix.run("nix", "log", "--store", substituter, path);
        assertThat(none.exit()).isNotZero();
    }

    /**
     * Two different logs of one derivation published at once against s3proxy, which (unlike S3) takes
     * a copy onto an existing key: one is stored and stays, the other is told the log is present.
     * Eight derivations, each raced once. Before the per-key lock, a stored log was replaced.
     */
    @Test
    void twoLogsOfOneDerivationPublishedAtOnceStoreOneAndItStays(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Cli admin = Cli.admin(stack);
        String seed = Closures.seed();
        String cache = "lograce-" + seed.substring(0, 8);
        admin.run(List.of("cache", "create"), cache).ok();
        StringBuilder expr = new StringBuilder("[\n");
        for (int i = 0; i < 8; i++) {
            expr.append("  (derivation { name = \"quiet-%d-%s\"; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"echo x > $out\" ]; })\n"
                    .formatted(i, seed));
        }
        List<String> paths = nix.build(expr.append("]\n").toString());
        List<String> push = new java.util.ArrayList<>(List.of(cache));
        push.addAll(paths);
        admin.run(List.of("push"), push.toArray(String[]::new)).ok();
        NixfrontClient client = StackClients.client(stack, stack.adminToken());
        String substituter = Json.mapper().readTree(admin.run(List.of("cache", "info"), cache, "--json").ok().out()).get("substituter").asText();

        for (String path : paths) {
            byte[] x = zstd("LOG-X " + path + "\n");
            byte[] y = zstd("LOG-YY " + path + "\n");
            BuildLog logX = new BuildLog(path, Hash.sha256(x).toString(), x.length, "zstd", ("LOG-X " + path + "\n").length());
            BuildLog logY = new BuildLog(path, Hash.sha256(y).toString(), y.length, "zstd", ("LOG-YY " + path + "\n").length());
            for (var log : List.of(Map.entry(logX, x), Map.entry(logY, y))) {
                SignedRequest put = client.logUploads(cache, new LogsRequest(List.of(log.getKey()))).logs().getFirst().put();
                assertThat(PresignedHttp.put(put.url(), put.headers(), Map.of(), log.getValue()).statusCode()).isEqualTo(200);
            }
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> outcome(client, cache, logX), RACERS);
            CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> outcome(client, cache, logY), RACERS);
            List<String> outcomes = List.of(first.get(), second.get());
            assertThat(outcomes).as(path).containsExactlyInAnyOrder(LogResult.WRITTEN, LogResult.PRESENT);
            String stored = nix.run("nix", "log", "--store", substituter, path).ok("nix log").out();
            assertThat(stored).as("the log that was written is the one served").startsWith(
                    outcomes.getFirst().equals(LogResult.WRITTEN) ? "LOG-X " : "LOG-YY ");
        }
    }

    /** Threads of their own: the common pool has one thread on two cores. */
    private static final java.util.concurrent.Executor RACERS = runnable -> Thread.ofPlatform().daemon().start(runnable);

    private static String outcome(NixfrontClient client, String cache, BuildLog log) {
        try {
            return client.publishLogs(cache, new LogsRequest(List.of(log))).logs().getFirst().outcome();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] zstd(String text) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var c = CompressionStreams.compress(Compression.ZSTD, out, CompressionStreams.DEFAULT_LEVEL)) {
            c.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
