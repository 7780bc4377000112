package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nixfront watch-store} as a user runs it, a process of its own against {@code ./nixfront
 * local}: a path built while it watches is pushed, closure and all, within 10 s, and the real Nix
 * substitutes it; SIGTERM stops it cleanly; a build handed over by the post-build-hook recipe
 * ({@code contrib/nixfront-post-build-hook.sh}) while no watcher runs is pushed when one starts.
 */
@ExtendWith(LocalStackExtension.class)
class WatchStoreEndToEndTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration PUSHED_WITHIN = Duration.ofSeconds(10);
    private static final List<Process> STARTED = new java.util.concurrent.CopyOnWriteArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void stopWatchers() {
        // A failed test must not leave a watcher pushing every later test's builds.
        STARTED.forEach(Process::destroyForcibly);
        STARTED.clear();
    }

    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    /** The CLI in a JVM of its own, as a service would run it. */
    private record Watcher(Process process, StringBuffer printed, CompletableFuture<String> out, CompletableFuture<String> err) {
        static Watcher start(LocalStack stack, String cache, Path queue) throws IOException, InterruptedException {
            String java = ProcessHandle.current().info().command().orElse("java");
            ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.nixfront.cli.Main",
                    "watch-store", cache, "--queue", queue.toString());
            builder.environment().put("NIXFRONT_SERVER", stack.apiUrl().toString());
            builder.environment().put("NIXFRONT_TOKEN", stack.adminToken());
            Process process = builder.start();
            STARTED.add(process);
            // Ready once it says it watches (stderr), read line by line until then.
            var stderr = new java.io.BufferedReader(new java.io.InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            for (String line = stderr.readLine(); line != null; line = stderr.readLine()) {
                seen.append(line).append('\n');
                if (line.contains("watching")) {
                    break;
                }
            }
            assertThat(seen.toString()).as("watch-store started").contains("watching /nix/store and " + queue);
            // Threads of their own: these block for the watcher's whole life, and the common pool
            // has one thread on two cores, which NixTool needs for nix-build's stderr.
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
                try {
                    return seen + drain(stderr);
                } catch (IOException e) {
                    return seen + e.toString();
                }
            }, runnable -> Thread.ofPlatform().daemon().start(runnable));
            // Line by line as it prints, so a test can wait for a batch's line.
            StringBuffer printed = new StringBuffer();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
                var stdout = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                try {
                    for (String line = stdout.readLine(); line != null; line = stdout.readLine()) {
                        printed.append(line).append('\n');
                    }
                    return printed.toString();
                } catch (IOException e) {
                    return printed + e.toString();
                }
            }, runnable -> Thread.ofPlatform().daemon().start(runnable));
            return new Watcher(process, printed, out, err);
        }

        /**
         * Waits until the watcher has printed {@code text}: a batch's line comes after its paths are
         * served, once its build logs and roots are sent too, and a SIGTERM before it abandons the rest.
         */
        void awaitPrinted(String text) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!printed.toString().contains(text)) {
                assertThat(System.nanoTime()).as("watch-store never printed " + text + ": " + printed).isLessThan(deadline);
                Thread.sleep(50);
            }
        }

        /** SIGTERM, as a service manager stops it; returns what it printed. */
        String stop() throws Exception {
            // kill -TERM rather than Process.destroy(), which also closes our ends of its output.
            assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor()).isZero();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("watch-store stops on SIGTERM").isTrue();
            return out.get(30, TimeUnit.SECONDS);
        }
    }

    private static String drain(java.io.BufferedReader reader) throws IOException {
        StringBuilder all = new StringBuilder();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            all.append(line).append('\n');
        }
        return all.toString();
    }

    private static List<Path> listing(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.toList();
        }
    }

    private static int status(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String narinfo(String substituter, String storePath) {
        return substituter + "/" + Path.of(storePath).getFileName().toString().substring(0, 32) + ".narinfo";
    }

    /** How long until the narinfo answers 200, polling; fails after a minute. */
    private static Duration untilServed(String url, long since) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (status(url) != 200) {
            assertThat(System.nanoTime()).as(url + " never served").isLessThan(deadline);
            Thread.sleep(50);
        }
        return Duration.ofNanos(System.nanoTime() - since);
    }

    @Test
    void aFreshBuildIsPushedWithin10sAndAQueuedBuildWhenTheWatcherStartsAgain(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Cli admin = Cli.admin(stack);
        String cache = "watch-" + Closures.seed().substring(0, 8);
        admin.run(List.of("cache", "create"), cache).ok();
        JsonNode info = Json.mapper().readTree(admin.run(List.of("cache", "info"), cache, "--json").ok().out());
        String substituter = info.get("substituter").asText();
        Path queue = work.resolve("queue");

        Watcher watcher = Watcher.start(stack, cache, queue);
        String top = nix.build(Closures.chain(Closures.seed(), 3000)).getFirst();
        long built = System.nanoTime();
        Duration took = untilServed(narinfo(substituter, top), built);
        assertThat(took).as("pushed within " + PUSHED_WITHIN + " of the build's end").isLessThan(PUSHED_WITHIN);
        List<String> closure = nix.closure(top);
        for (String path : closure) {
            assertThat(status(narinfo(substituter, path))).as(path).isEqualTo(200);
        }
        Path store = Files.createTempDirectory(work, "store-");
        nix.copyFrom(substituter, info.get("publicKey").asText(), store, List.of(top)).ok("nix copy --from the watched cache");

        // The batch with top ends with its build logs: served, then the batch's line.
        String deriver = nix.run("nix-store", "--query", "--deriver", top).ok("nix-store -q --deriver").out().strip();
        untilServed(substituter + "/log/" + Path.of(deriver).getFileName(), System.nanoTime());
        watcher.awaitPrinted("pushed");
        String printed = watcher.stop();
        assertThat(printed).contains("pushed", cache).contains("stopped");

        // While no watcher runs: a build, handed over by the post-build-hook recipe as Nix would run it.
        String later = nix.build(Closures.chain(Closures.seed(), 3000)).getFirst();
        ProcessBuilder hook = new ProcessBuilder(AwsModeDeployment.repositoryRoot().resolve("contrib/nixfront-post-build-hook.sh").toString());
        hook.environment().put("OUT_PATHS", later);
        hook.environment().put("NIXFRONT_QUEUE", queue.toString());
        assertThat(hook.start().waitFor()).isZero();
        assertThat(listing(queue)).singleElement();
        assertThat(status(narinfo(substituter, later))).isEqualTo(404);

        Watcher again = Watcher.start(stack, cache, queue);
        untilServed(narinfo(substituter, later), System.nanoTime());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!listing(queue).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(listing(queue)).as("the queue file goes once its paths are pushed").isEmpty();
        again.stop();
    }
}
