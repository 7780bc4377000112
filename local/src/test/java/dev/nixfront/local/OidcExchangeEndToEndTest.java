package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import dev.nixfront.cache.TrustService;
import dev.nixfront.cache.fake.TestIssuer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CI job without a stored token: the cache trusts a made-up issuer (served on loopback, its keys
 * generated here), {@code nixfront token exchange} asks the "runner" for an ID token and trades it
 * for a write token that pushes to that cache and nothing else; misused ID tokens make no token and
 * get one and the same 401, whatever was wrong and whether the cache exists or trusts the issuer.
 */
@ExtendWith(LocalStackExtension.class)
class OidcExchangeEndToEndTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String MAIN = "repo:acme/site:ref:refs/heads/main";

    private static JsonNode exchange(LocalStack stack, String cache, String idToken, int status) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.apiUrl() + "/v1/oidc/token"))
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("cache", cache, "idToken", idToken)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return Json.mapper().readTree(response.body());
    }

    private static int tokens(Cli root) throws Exception {
        return Json.mapper().readTree(root.run(List.of("token", "list"), "--json").ok().out()).get("tokens").size();
    }

    @Test
    void aTrustedJobPushesWithAnExchangedTokenAndNothingElseGetsOne(LocalStack stack, @TempDir Path work) throws Exception {
        try (LoopbackIssuer issuers = new LoopbackIssuer()) {
            Cli root = Cli.admin(stack);
            String team = "oidc-" + Closures.seed().substring(0, 8);
            String other = "oidc-other-" + Closures.seed().substring(0, 8);
            root.run(List.of("cache", "create"), team).ok();
            root.run(List.of("cache", "create"), other).ok();
            TestIssuer main = issuers.issuer("main");
            String added = root.run(List.of("trust", "add"), team, "--issuer", main.url, "--subject", "repo:acme/site:ref:refs/heads/*").ok().out();
            assertThat(added).contains("trust tr_", "read and write on " + team, "60 minutes");

            Cli.Result exchanged = new Cli(stack, "unused").run(List.of("token", "exchange"), team,
                    "--request-url", issuers.runnerUrl(), "--request-token", LoopbackIssuer.REQUEST_TOKEN).ok();
            assertThat(exchanged.err()).contains("read,write on " + team);
            Cli ci = new Cli(stack, exchanged.out().strip());

            NixTool nix = new NixTool(work);
            String top = nix.build(Closures.chain(Closures.seed(), 1000)).getFirst();
            assertThat(ci.run(List.of("push"), team, top).ok().out()).contains("pushed");
            Cli.Result elsewhere = ci.run(List.of("push"), other, top);
            assertThat(elsewhere.exit()).isNotZero();
            assertThat(elsewhere.err()).contains("forbidden", "not valid for cache " + other);
            assertThat(ci.run(List.of("token", "create"), "--cache", team, "--permission", "read").err()).contains("forbidden");
            assertThat(ci.run(List.of("trust", "list"), team).err()).contains("forbidden");

            int before = tokens(root);
            Instant now = Clock.systemUTC().instant();
            Map<String, Object> wrongAudience = main.claims(MAIN, "sts.amazonaws.com", now);
            // Every refusal of a well-formed ID token is one answer, whatever was wrong (the log says what):
            // the audience, the subject, another cache's trust, a cache that does not exist, the algorithm.
            JsonNode refusal = exchange(stack, team, main.token(wrongAudience), 401);
            assertThat(refusal.get("field").asText()).isEqualTo("idToken");
            assertThat(refusal.get("reason").asText()).isEqualTo(TrustService.REFUSAL);
            assertThat(exchange(stack, team, main.token(main.claims("repo:acme/site:pull_request", "nixfront", now)), 401))
                    .as("a subject no trust names").isEqualTo(refusal);
            assertThat(exchange(stack, other, main.token(main.claims(MAIN, "nixfront", now)), 401)).as("a trust of another cache")
                    .isEqualTo(refusal);
            assertThat(exchange(stack, "nosuch-" + Closures.seed().substring(0, 8), main.token(main.claims(MAIN, "nixfront", now)), 401))
                    .as("no such cache").isEqualTo(refusal);
            String forged = TestIssuer.sign(Map.of("alg", "RS256", "kid", main.kid), main.claims(MAIN, "nixfront", now), TestIssuer.generate());
            assertThat(exchange(stack, team, forged, 401)).as("a key the issuer does not publish, where the issuer is trusted")
                    .isEqualTo(refusal);
            assertThat(exchange(stack, other, forged, 401)).as("and where it is not").isEqualTo(refusal);
            assertThat(exchange(stack, team, TestIssuer.sign(Map.of("alg", "HS256", "kid", main.kid), main.claims(MAIN, "nixfront", now),
                    main.keys()), 401)).isEqualTo(refusal);
            assertThat(exchange(stack, team, "x".repeat(9000), 400).get("field").asText()).as("malformed: the caller's own input")
                    .isEqualTo("idToken");

            // An issuer whose discovery document redirects, and one whose key set is too big: refused, fail closed.
            TestIssuer moved = issuers.issuer("moved");
            issuers.redirects.put(moved.discovery().toString(), issuers.issuer("main").discovery().toString());
            TestIssuer big = issuers.issuer("big");
            big.documents().put(big.url + "/.well-known/jwks", "{\"keys\":[],\"pad\":\"" + "x".repeat(70_000) + "\"}");
            for (TestIssuer refused : List.of(moved, big)) {
                root.run(List.of("trust", "add"), team, "--issuer", refused.url, "--subject", MAIN).ok();
                assertThat(exchange(stack, team, refused.token(refused.claims(MAIN, "nixfront", now)), 401)).isEqualTo(refusal);
            }
            assertThat(tokens(root)).as("no refusal made a token").isEqualTo(before);
            JsonNode trusts = Json.mapper().readTree(root.run(List.of("trust", "list"), team, "--json").ok().out()).get("trusts");
            assertThat(trusts).hasSize(3);
            root.run(List.of("trust", "rm"), team, trusts.get(0).get("id").asText()).ok();
            assertThat(Json.mapper().readTree(root.run(List.of("trust", "list"), team, "--json").ok().out()).get("trusts")).hasSize(2);
        }
    }
}
