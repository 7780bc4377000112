package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import dev.nixfront.aws.DynamoDbCacheRepository;
import dev.nixfront.aws.DynamoDbRootRepository;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.RootRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection's bookkeeping as a user drives it with the real CLI on the local stack: every
 * push records the paths it was given as roots, also a push that finds everything there; pins keep
 * named revisions; cache info counts what was published.
 */
@ExtendWith(LocalStackExtension.class)
class RootsPinsUsageEndToEndTest {
    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    private static CacheRecord cache(LocalStack stack, String name) {
        return new DynamoDbCacheRepository(stack.dynamoDb(), LocalStack.TABLE).get(CacheName.of(name)).orElseThrow();
    }

    private static List<RootRecord> roots(LocalStack stack, String name) {
        return new DynamoDbRootRepository(stack.dynamoDb(), LocalStack.TABLE).list(cache(stack, name));
    }

    @Test
    void everyPushRecordsItsRootsAndCacheInfoCountsWhatWasPublished(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Cli cli = Cli.admin(stack);
        String cache = "roots-" + Closures.seed().substring(0, 8);
        cli.run(List.of("cache", "create"), cache).ok();
        JsonNode empty = Json.mapper().readTree(cli.run(List.of("cache", "info"), cache, "--json").ok().out());
        assertThat(empty.get("usage").toString()).isEqualTo("{\"paths\":0,\"narBytes\":0}");

        String top = nix.build(Closures.chain(Closures.seed(), 1000)).getFirst();
        List<String> closure = nix.closure(top);
        // Given as a link, as after nix-build: the root recorded is the store path it points to.
        Path result = Files.createSymbolicLink(work.resolve("result"), Path.of(top));
        JsonNode first = Json.mapper().readTree(cli.run(List.of("push"), cache, result.toString(), "--json").ok().out());
        assertThat(first.get("pushed").asInt()).isEqualTo(closure.size());
        assertThat(first.get("roots").asInt()).isEqualTo(1);
        List<RootRecord> recorded = roots(stack, cache);
        assertThat(recorded).extracting(r -> r.path().toString()).containsExactly(top);
        Instant firstPush = recorded.getFirst().pushedAt();

        JsonNode info = Json.mapper().readTree(cli.run(List.of("cache", "info"), cache, "--json").ok().out());
        assertThat(info.at("/usage/paths").asInt()).isEqualTo(closure.size());
        assertThat(info.at("/usage/narBytes").asLong()).isEqualTo(first.get("fileBytes").asLong());
        Instant lastPush = Instant.parse(info.at("/usage/lastPush").asText());
        assertThat(lastPush).isAfterOrEqualTo(cache(stack, cache).createdAt());
        Cli.Result human = cli.run(List.of("cache", "info"), cache).ok();
        assertThat(human.out()).contains("paths:       " + closure.size(), "last push:   " + lastPush);

        // Nothing missing: nothing uploaded or counted again, and the root's time still moves on.
        Cli.Result again = cli.run(List.of("push"), cache, top).ok();
        assertThat(again.out()).contains("nothing to push", "1 root recorded");
        assertThat(roots(stack, cache)).singleElement().satisfies(root -> assertThat(root.pushedAt()).isAfter(firstPush));
        JsonNode still = Json.mapper().readTree(cli.run(List.of("cache", "info"), cache, "--json").ok().out());
        assertThat(still.get("usage")).isEqualTo(info.get("usage"));

        // Two roots, one of them inside the first closure, with --no-closure.
        String middle = closure.stream().filter(p -> p.contains("-middle-")).findFirst().orElseThrow();
        JsonNode two = Json.mapper().readTree(cli.run(List.of("push"), cache, top, middle, "--no-closure", "--json").ok().out());
        assertThat(two.get("roots").asInt()).isEqualTo(2);
        assertThat(roots(stack, cache)).extracting(r -> r.path().toString()).containsExactlyInAnyOrder(top, middle);

        // The same two with their closures, given as store paths: the push takes the roots from the
        // closure Nix listed, without asking Nix again, and still records both, time moving on.
        Instant before = roots(stack, cache).stream().map(RootRecord::pushedAt).max(Instant::compareTo).orElseThrow();
        JsonNode closures = Json.mapper().readTree(cli.run(List.of("push"), cache, middle, top, "--json").ok().out());
        assertThat(closures.get("roots").asInt()).isEqualTo(2);
        assertThat(roots(stack, cache)).hasSize(2).allSatisfy(root -> assertThat(root.pushedAt()).isAfter(before));
    }

    @Test
    void pinsAreSetListedRevisedAndRemovedWithTheCli(LocalStack stack, @TempDir Path work) throws Exception {
        NixTool nix = new NixTool(work);
        Cli cli = Cli.admin(stack);
        String cache = "pins-" + Closures.seed().substring(0, 8);
        cli.run(List.of("cache", "create"), cache).ok();
        String top = nix.build(Closures.chain(Closures.seed(), 1000)).getFirst();
        List<String> closure = nix.closure(top);
        String middle = closure.stream().filter(p -> p.contains("-middle-")).findFirst().orElseThrow();

        Cli.Result notYet = cli.run(List.of("pin"), cache, "release", top);
        assertThat(notYet.exit()).isEqualTo(1);
        assertThat(notYet.err()).contains("conflict", top + " is not published in cache " + cache);

        cli.run(List.of("push"), cache, top).ok();
        Path result = Files.createSymbolicLink(work.resolve("result"), Path.of(middle));
        Cli.Result pinned = cli.run(List.of("pin"), cache, "release", result.toString(), "--keep-revisions", "2").ok();
        assertThat(pinned.out()).contains("pinned " + middle + " as release in " + cache, "release (keeps 2 revisions)");
        JsonNode revised = Json.mapper().readTree(cli.run(List.of("pin"), cache, "release", top, "--json").ok().out());
        assertThat(revised.get("keepRevisions").asInt()).isEqualTo(2);
        assertThat(revised.get("revisions")).extracting(r -> r.get("path").asText()).containsExactly(top, middle);
        cli.run(List.of("pin"), cache, "--", "list", top).ok();

        JsonNode listed = Json.mapper().readTree(cli.run(List.of("pin", "list"), cache, "--json").ok().out());
        assertThat(listed.get("pins")).extracting(p -> p.get("name").asText()).containsExactly("list", "release");
        assertThat(listed.get("pins").get(1)).isEqualTo(revised);
        assertThat(cli.run(List.of("pin", "list"), cache).ok().out()).contains("release (keeps 2 revisions)\n  ", "  " + middle + "\n");

        Cli.Result hijacked = cli.run(List.of("pin"), cache, "rm", top);
        assertThat(hijacked.exit()).as("a pin named rm needs '--', and nothing was removed").isEqualTo(2);
        cli.run(List.of("pin", "rm"), cache, "list").ok();
        assertThat(cli.run(List.of("pin", "rm"), cache, "list").err()).contains("no pin named list");
        JsonNode left = Json.mapper().readTree(cli.run(List.of("pin", "list"), cache, "--json").ok().out());
        assertThat(left.get("pins")).extracting(p -> p.get("name").asText()).containsExactly("release");

        // A read token lists pins but sets none.
        String reader = cli.run(List.of("token", "create"), "--cache", cache, "--permission", "read").ok().out().strip();
        Cli asReader = new Cli(stack, reader);
        assertThat(asReader.run(List.of("pin", "list"), cache).ok().out()).contains("release");
        assertThat(asReader.run(List.of("pin"), cache, "mine", top).err()).contains("lacks the write permission");
        assertThat(asReader.run(List.of("pin", "rm"), cache, "release").err()).contains("lacks the write permission");
    }
}
