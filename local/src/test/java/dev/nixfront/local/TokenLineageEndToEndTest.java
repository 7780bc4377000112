package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 9, tried as the attacker did, with the real CLI against {@code ./nixfront local}: a token
 * that expires soon cannot make one that never does, a cache's admin manages that cache's tokens
 * and nothing more, and revoking a token takes what it made with it.
 */
@ExtendWith(LocalStackExtension.class)
class TokenLineageEndToEndTest {
    private static JsonNode json(Cli.Result result) throws Exception {
        return Json.mapper().readTree(result.ok().out());
    }

    private static List<String> ids(JsonNode listing) {
        List<String> ids = new ArrayList<>();
        listing.get("tokens").forEach(t -> ids.add(t.get("id").asText()));
        return ids;
    }

    @Test
    void aChildTokenNeverOutlivesItsMakerAndDiesWithIt(LocalStack stack) throws Exception {
        Cli root = Cli.admin(stack);
        String team = "lineage-" + Closures.seed().substring(0, 8);
        String other = "elsewhere-" + Closures.seed().substring(0, 8);
        root.run(List.of("cache", "create"), team).ok();
        root.run(List.of("cache", "create"), other).ok();

        JsonNode maker = json(root.run(List.of("token", "create"), "--cache", team, "--permission", "admin",
                "--expires", "1h", "--description", "team admin", "--json"));
        String makerId = maker.at("/info/id").asText();
        Instant makerExpiry = Instant.parse(maker.at("/info/expiresAt").asText());
        Cli teamAdmin = new Cli(stack, maker.get("token").asText());

        Cli.Result outliving = teamAdmin.run(List.of("token", "create"), "--cache", team, "--permission", "write", "--expires", "30d");
        assertThat(outliving.exit()).isNotZero();
        assertThat(outliving.err()).contains("expiresAt", makerExpiry.toString());
        assertThat(teamAdmin.run(List.of("token", "create"), "--permission", "read").exit())
                .as("the default scope is every cache, beyond a cache admin").isNotZero();

        Cli.Result created = teamAdmin.run(List.of("token", "create"), "--cache", team, "--permission", "admin").ok();
        assertThat(created.err()).as("the maker's expiry, said when made").contains("expires " + makerExpiry);
        Cli child = new Cli(stack, created.out().strip());
        JsonNode grandchild = json(child.run(List.of("token", "create"), "--cache", team, "--permission", "read", "--json"));
        Cli reader = new Cli(stack, grandchild.get("token").asText());
        assertThat(reader.run(List.of("cache", "info"), team).exit()).isZero();

        JsonNode listed = json(teamAdmin.run(List.of("token", "list"), "--cache", team, "--json"));
        assertThat(ids(listed)).hasSize(3).contains(makerId, grandchild.at("/info/id").asText());
        listed.get("tokens").forEach(t -> assertThat(Instant.parse(t.get("expiresAt").asText())).isEqualTo(makerExpiry));
        assertThat(teamAdmin.run(List.of("token", "list"), "--cache", other).err()).contains("forbidden", other);
        assertThat(teamAdmin.run(List.of("token", "list")).ok().out().lines().skip(1).map(line -> line.split(" +")[0]))
                .as("a cache admin sees its cache's tokens, not the admin of all caches").contains(makerId).doesNotContain("tk_bootstrap");

        root.run(List.of("token", "revoke"), makerId).ok();

        for (Cli dead : List.of(teamAdmin, child, reader)) {
            Cli.Result refused = dead.run(List.of("cache", "info"), team);
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.err()).contains(makerId, "revoked");
        }
        // The stack is shared: other tests' '*' tokens are valid for this cache too, and stay active.
        List<String> tree = ids(listed);
        JsonNode after = json(root.run(List.of("token", "list"), "--cache", team, "--json"));
        after.get("tokens").forEach(t -> {
            if (tree.contains(t.get("id").asText())) {
                assertThat(t.has("revokedAt")).as(t.toString()).isTrue();
            }
        });
        assertThat(ids(after)).containsAll(tree);
        assertThat(Duration.between(Instant.now(), makerExpiry)).as("all of it well before the maker expired").isPositive();
    }
}
