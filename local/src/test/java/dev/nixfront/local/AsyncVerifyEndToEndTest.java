package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResult;
import dev.nixfront.api.SignedRequest;
import dev.nixfront.cache.VerifyRates;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.cli.client.ClientConfig;
import dev.nixfront.cli.client.NixfrontClient;
import dev.nixfront.nix.Compression;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The asynchronous verification path end to end: a stack that verifies nothing inside the publish
 * request, so every path goes through the verify queue (an executor here, a Lambda async invoke in
 * AWS) with a job that names only store hashes and is resolved from the index. The CLI must wait
 * for each verified reference before publishing its referrers, and Nix must substitute the result.
 */
class AsyncVerifyEndToEndTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    @Test
    void everyPathVerifiedAsynchronouslyStillSubstitutes(@TempDir Path work) throws Exception {
        Path directory = work.resolve("stack");
        try (LocalStack stack = LocalStack.start(new LocalStack.Options(directory, 0, 0,
                settings -> settings.withInlineVerifyMaxBytes(1)))) {
            NixTool nix = new NixTool(work);
            Cli cli = Cli.admin(stack);
            String cache = "async-" + Closures.seed().substring(0, 8);
            cli.run(List.of("cache", "create"), cache).ok();
            JsonNode info = Json.mapper().readTree(cli.run(List.of("cache", "info"), cache, "--json").ok().out());

            String top = nix.build(Closures.chain(Closures.seed(), 64 << 10)).getFirst();
            List<String> closure = nix.closure(top);
            JsonNode pushed = Json.mapper().readTree(cli.run(List.of("push"), cache, top, "--json").ok().out());
            assertThat(pushed.get("pushed").asInt()).isEqualTo(closure.size());

            Path store = Files.createTempDirectory(work, "store-");
            nix.copyFrom(info.get("substituter").asText(), info.get("publicKey").asText(), store, List.of(top))
                    .ok("nix copy --from a cache whose every path was verified asynchronously");
            assertThat(nix.pathInfo(store, closure).ok("nix path-info").out().lines()).hasSize(closure.size());

            // The same through the API, to see the intermediate state: the publish answers
            // "verifying" (the path went to the queue, not through inline verification), and the
            // path becomes published once the queued job has run. Each status call is a round
            // trip to the API, so the loop polls at that pace until the deadline.
            NixfrontClient admin = new NixfrontClient(new ClientConfig(stack.apiUrl(), stack.adminToken()), HTTP);
            String leaf = nix.build("derivation { name = \"async-leaf-" + Closures.seed() + "\"; system = builtins.currentSystem; "
                    + "builder = \"/bin/sh\"; args = [ \"-c\" \"echo " + Closures.seed() + " > $out\" ]; }").getFirst();
            TestNar nar = TestNar.pack(leaf, Compression.ZSTD, List.of());
            SignedRequest put = admin.uploads(cache, new UploadRequest(List.of(new NarUpload(nar.fileHash().toString(),
                    nar.fileSize(), "zstd")))).uploads().getFirst().put();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(put.url())).PUT(HttpRequest.BodyPublishers.ofByteArray(nar.file()));
            put.headers().forEach((name, value) -> {
                if (!name.equalsIgnoreCase("content-length") && !name.equalsIgnoreCase("host")) {
                    request.header(name, value);
                }
            });
            assertThat(HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
            assertThat(admin.publish(cache, new PublishRequest(List.of(nar.info()))).results())
                    .extracting(PublishResult::state).containsExactly("verifying");
            Instant deadline = Instant.now().plusSeconds(60);
            String state = admin.pathStatus(cache, nar.hashPart()).state();
            while (!state.equals("published") && Instant.now().isBefore(deadline)) {
                state = admin.pathStatus(cache, nar.hashPart()).state();
            }
            assertThat(state).as("the queued verification publishes the path").isEqualTo("published");
        } finally {
            LocalStackExtension.deleteTree(directory);
        }
    }

    /**
     * Every path estimated at eight minutes: a verify run does one of them (14 minutes at most) and
     * hands the rest of its job on to the queue, as the verify function invokes its own alias in
     * AWS. The CLI publishes the four paths of the chain in one batch, so their job takes four runs,
     * and the push only succeeds if each referrer's run came after its references'.
     */
    @Test
    void aJobLongerThanOneRunIsHandedOnAndStillPublishesReferencesFirst(@TempDir Path work) throws Exception {
        Path directory = work.resolve("stack");
        VerifyRates eightMinutes = new VerifyRates(Duration.ofMinutes(8), Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE,
                Long.MAX_VALUE, Long.MAX_VALUE);
        try (LocalStack stack = LocalStack.start(new LocalStack.Options(directory, 0, 0,
                settings -> settings.withInlineVerifyMaxBytes(1).withVerifyRates(eightMinutes)))) {
            NixTool nix = new NixTool(work);
            Cli cli = Cli.admin(stack);
            String cache = "handoff-" + Closures.seed().substring(0, 8);
            cli.run(List.of("cache", "create"), cache).ok();
            JsonNode info = Json.mapper().readTree(cli.run(List.of("cache", "info"), cache, "--json").ok().out());

            String top = nix.build(Closures.chain(Closures.seed(), 1 << 10)).getFirst();
            List<String> closure = nix.closure(top);
            assertThat(closure).hasSizeGreaterThan(2);
            JsonNode pushed = Json.mapper().readTree(cli.run(List.of("push"), cache, top, "--json").ok().out());
            assertThat(pushed.get("pushed").asInt()).isEqualTo(closure.size());

            Path store = Files.createTempDirectory(work, "store-");
            nix.copyFrom(info.get("substituter").asText(), info.get("publicKey").asText(), store, List.of(top))
                    .ok("nix copy --from a cache whose verify jobs were handed on between runs");
        } finally {
            LocalStackExtension.deleteTree(directory);
        }
    }
}
