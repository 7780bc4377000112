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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection beside pushes of overlapping closures and readers, on a cache that keeps
 * nothing (retention 0s, no NAR grace): every collection dooms every path, while the pushes keep
 * publishing them again. Readers check, the whole time, what Nix relies on: a narinfo they can read
 * names a NAR they can read, and references they can read; a miss is only allowed if the narinfo
 * itself is gone by the time they look again. At the end, one more push lands and Nix substitutes
 * both closures.
 */
@ExtendWith(LocalStackExtension.class)
class GarbageCollectionRaceTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration RACE = Duration.ofSeconds(25);

    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String field(String narinfo, String name) {
        return narinfo.lines().filter(l -> l.startsWith(name + ": ")).findFirst().map(l -> l.substring(name.length() + 2)).orElse("");
    }

    /**
     * Whether {@code needed} was missing while {@code narinfo}, read at {@code seen}, stayed readable.
     * One miss proves nothing: the narinfo may have been collected and pushed again meanwhile (the
     * same bytes). But a push writes what a narinfo needs before the narinfo, and a collection waits
     * its fence (3 s here) between marking a path and deleting it; so miss, narinfo still there, miss
     * again, all within 2 s of {@code seen}, is a narinfo that was readable without it.
     */
    private static boolean missing(String narinfo, String needed, Instant seen) throws Exception {
        if (status(needed) == 200 || get(narinfo).statusCode() != 200 || status(needed) == 200) {
            return false;
        }
        return Duration.between(seen, Instant.now()).compareTo(Duration.ofSeconds(2)) < 0;
    }

    /** The path item of a store path (or basename) as the table holds it now, for the failure message. */
    private static String item(LocalStack stack, String path) {
        String hash = Path.of(path).getFileName().toString().substring(0, 32);
        StringBuilder found = new StringBuilder();
        stack.dynamoDb().scanPaginator(r -> r.tableName("nixfront-2")).items().forEach(i -> {
            if (i.get("pk").s().endsWith("#" + hash)) {
                found.append(i.get("pk").s()).append(" state=").append(i.containsKey("state") ? i.get("state").s() : "-")
                        .append(" attempt=").append(i.containsKey("attempt") ? i.get("attempt").s() : "-")
                        .append(" updatedAt=").append(i.containsKey("updatedAt") ? i.get("updatedAt").s() : "-").append("; ");
            }
        });
        return found.length() == 0 ? "no item" : found.toString();
    }

    private static int status(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** A push, again until it lands: a 409 (a path or a NAR being deleted meanwhile) is an answer to push again. */
    private static void push(Cli cli, String cache, String top) {
        Cli.Result last = null;
        for (int attempt = 1; attempt <= 10; attempt++) {
            last = cli.run(List.of("push"), cache, top, "-j", "4");
            if (last.exit() == 0) {
                return;
            }
        }
        last.ok();
    }

    @Test
    void collectionsBesidePushesAndReadersNeverShowANarinfoWithoutItsNarOrReferences(LocalStack stack, @TempDir Path work)
            throws Exception {
        NixTool nix = new NixTool(work);
        Cli cli = Cli.admin(stack);
        String cache = "gcrace-" + Closures.seed().substring(0, 8);
        cli.run(List.of("cache", "create"), cache).ok();
        String key = Json.mapper().readTree(cli.run(List.of("cache", "info"), cache, "--json").ok().out()).get("publicKey").asText();
        String substituter = stack.cacheUrl() + "/" + cache;
        List<String> tops = nix.build(Closures.overlapping(Closures.seed(), 8));
        Set<String> all = new LinkedHashSet<>();
        for (String top : tops) {
            all.addAll(nix.closure(top));
        }
        for (String top : tops) {
            push(cli, cache, top);
        }
        // A closure no push names during the race, so that collections surely collect: the pushes'
        // root reports take the tops they name back from a collection (and their closures with them).
        String idle = nix.build(Closures.chain(Closures.seed(), 3000)).getFirst();
        all.addAll(nix.closure(idle));
        push(cli, cache, idle);
        cli.run(List.of("cache", "update"), cache, "--retention", "0s", "--nar-grace", "0s").ok();

        Instant end = Instant.now().plus(RACE);
        AtomicBoolean running = new AtomicBoolean(true);
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger collected = new AtomicInteger();
        AtomicInteger checks = new AtomicInteger();

        CompletableFuture<Void> collector = CompletableFuture.runAsync(() -> {
            while (Instant.now().isBefore(end)) {
                try {
                    JsonNode report = Json.mapper().readTree(cli.run(List.of("gc"), cache, "--json").ok().out());
                    collected.addAndGet(report.get("pathsCollected").asInt());
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        CompletableFuture<Void> pusher = CompletableFuture.runAsync(() -> {
            for (int i = 0; running.get(); i++) {
                push(cli, cache, tops.get(i % tops.size()));
            }
        });
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            while (running.get()) {
                for (String path : all) {
                    String narinfoUrl = substituter + "/" + Path.of(path).getFileName().toString().substring(0, 32) + ".narinfo";
                    try {
                        HttpResponse<String> narinfo = get(narinfoUrl);
                        if (narinfo.statusCode() != 200) {
                            continue;
                        }
                        checks.incrementAndGet();
                        Instant seen = Instant.now();
                        String nar = substituter + "/" + field(narinfo.body(), "URL");
                        if (missing(narinfoUrl, nar, seen)) {
                            violations.add(path + " stayed readable while its NAR " + nar + " was not");
                        }
                        for (String ref : field(narinfo.body(), "References").split(" ")) {
                            String refUrl = substituter + "/" + ref.substring(0, Math.min(32, ref.length())) + ".narinfo";
                            if (!ref.isEmpty() && !path.endsWith(ref) && missing(narinfoUrl, refUrl, seen)) {
                                violations.add(path + " stayed readable while its reference " + ref + " was not; items: "
                                        + item(stack, path) + " / " + item(stack, ref));
                            }
                        }
                    } catch (Exception e) {
                        violations.add(path + ": " + e);
                    }
                }
            }
        });

        collector.join();
        running.set(false);
        pusher.join();
        reader.join();

        assertThat(violations).isEmpty();
        assertThat(collected.get()).as("collections did collect while pushes ran").isPositive();
        assertThat(checks.get()).as("readers read published paths").isPositive();
        for (String top : tops) {
            push(cli, cache, top);
        }
        nix.copyFrom(substituter, key, Files.createTempDirectory(work, "store-"), tops).ok("nix copy of both closures after the race");
    }
}
