package dev.nixfront.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.cache.EdgeRules.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The read path's rules on the credentials themselves; the shared case table (local module,
 * {@code EdgeCaseTableTest}) holds them to the contract the CloudFront function follows too.
 */
class EdgeRulesTest {
    private static final String TOKEN = "nf_Zm9vYmFyYmF6cXV4cXV1eHh5enp5eHd2dXRzcnFwb25t";
    private static final long NOW = 1_767_225_600L;
    private static final Map<String, String> STORE = Map.of(
            "c:team", "{\"p\":true,\"i\":\"00000000000000a1\"}",
            "c:pub", "{\"p\":false,\"i\":\"\"}",
            "c:broken", "{\"p\":\"yes\",\"i\":\"\"}",
            "t:" + TokenService.hash(TOKEN) + ":team", "{\"i\":\"00000000000000a1\",\"e\":0}",
            "s:filled", "{\"at\":1767225000}");

    private static Outcome check(String authorization, String uri) {
        return EdgeRules.check("GET", uri, authorization, key -> Optional.ofNullable(STORE.get(key)), NOW).outcome();
    }

    private static EdgeRules.Verdict unfilled(String authorization, String uri) {
        return EdgeRules.check("GET", uri, authorization, key -> key.equals(EdgeEntries.FILLED) ? Optional.empty()
                : Optional.ofNullable(STORE.get(key)), NOW);
    }

    private static String basic(String text) {
        return "Basic " + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void theTokenIsWhatFollowsTheFirstColonOfBasicOrTheWholeBearerCredential() {
        assertThat(EdgeRules.token(basic("nixfront:" + TOKEN))).isEqualTo(TOKEN);
        assertThat(EdgeRules.token(basic(":" + TOKEN))).isEqualTo(TOKEN);
        assertThat(EdgeRules.token(basic("a:b:c"))).isEqualTo("b:c");
        assertThat(EdgeRules.token(basic("l\u00f6gin:" + TOKEN))).as("a login of any bytes").isEqualTo(TOKEN);
        assertThat(EdgeRules.token("Bearer " + TOKEN)).isEqualTo(TOKEN);
        assertThat(EdgeRules.token("bEaReR    " + TOKEN + "  ")).isEqualTo(TOKEN);
        assertThat(EdgeRules.token("BASIC " + basic("x:" + TOKEN).substring(6))).isEqualTo(TOKEN);
    }

    @Test
    void anythingElseCarriesNoToken() {
        assertThat(EdgeRules.token(null)).isNull();
        assertThat(EdgeRules.token("")).isNull();
        assertThat(EdgeRules.token("Bearer")).isNull();
        assertThat(EdgeRules.token("Bearer ")).isNull();
        assertThat(EdgeRules.token("Basic")).isNull();
        assertThat(EdgeRules.token("Token " + TOKEN)).isNull();
        assertThat(EdgeRules.token("Bearer\t" + TOKEN)).as("a tab is no space").isNull();
        assertThat(EdgeRules.token("Bearer a b")).isNull();
        assertThat(EdgeRules.token("Bearer t\u00f6ken")).isNull();
        assertThat(EdgeRules.token("Bearer \u20ac")).as("not even by its low byte").isNull();
        assertThat(EdgeRules.token("Bearer " + "a".repeat(1025))).isNull();
        assertThat(EdgeRules.token("Bearer " + "a".repeat(1024))).isEqualTo("a".repeat(1024));
        assertThat(EdgeRules.token(basic("nixfront:"))).as("empty password").isNull();
        assertThat(EdgeRules.token(basic("nixfront"))).as("no colon").isNull();
        assertThat(EdgeRules.token(basic("nixfront:a b"))).isNull();
        assertThat(EdgeRules.token(basic("nixfront:t\u00f6ken"))).isNull();
        String unpadded = basic("nixfront:abcd").replaceAll("=+$", "");
        assertThat(unpadded).doesNotEndWith("=");
        assertThat(EdgeRules.token(unpadded)).as("padding is required").isNull();
        assertThat(EdgeRules.token("Basic bml4ZnJvbnQ6eA==!")).isNull();
        assertThat(EdgeRules.token("Basic bml4ZnJv bnQ6eA==")).isNull();
        assertThat(EdgeRules.token("Basic bml4ZnJvbnQ6eA-_")).as("not the URL alphabet").isNull();
    }

    @Test
    void theRulesInOrder() {
        assertThat(check(null, "/pub/nix-cache-info")).isEqualTo(Outcome.ALLOW);
        assertThat(check("Bearer nonsense", "/pub/nix-cache-info")).isEqualTo(Outcome.ALLOW);
        assertThat(check(null, "/team/nix-cache-info")).isEqualTo(Outcome.UNAUTHORIZED);
        assertThat(check("Bearer " + TOKEN, "/team/nix-cache-info")).isEqualTo(Outcome.ALLOW);
        assertThat(check(basic("nixfront:" + TOKEN), "/team/nar/x.nar.zst")).isEqualTo(Outcome.ALLOW);
        assertThat(check("Bearer " + TOKEN, "/other/nix-cache-info")).isEqualTo(Outcome.NOT_FOUND);
        assertThat(check("Bearer " + TOKEN, "/broken/nix-cache-info")).as("an entry we cannot read").isEqualTo(Outcome.NOT_FOUND);
        assertThat(check(null, "/")).isEqualTo(Outcome.NOT_FOUND);
        assertThat(check(null, "")).isEqualTo(Outcome.NOT_FOUND);
        assertThat(check(null, "/Team/x")).isEqualTo(Outcome.NOT_FOUND);
        assertThat(check(null, "/t%65am/x")).as("still encoded: no cache name").isEqualTo(Outcome.NOT_FOUND);
        assertThat(check(null, "/_staging/team/x")).isEqualTo(Outcome.NOT_FOUND);
        assertThat(check(null, "/pub/nar\\x.nar")).as("a backslash").isEqualTo(Outcome.NOT_FOUND);
        assertThat(check(null, "/pub/../team/nix-cache-info")).isEqualTo(Outcome.NOT_FOUND);
        assertThat(check(null, "/pub/nar/1/x.nar.zst")).isEqualTo(Outcome.ALLOW);
        assertThatThrownBy(() -> EdgeRules.check("PUT", "/pub/x", (String) null, key -> Optional.empty(), NOW))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStoreNotYetFilledStillRefusesACacheWithoutAnEntry() {
        assertThat(unfilled(null, "/other/nix-cache-info")).isEqualTo(new EdgeRules.Verdict(Outcome.NOT_FOUND, false));
        assertThat(unfilled(null, "/broken/nix-cache-info")).as("an entry there but unreadable")
                .isEqualTo(new EdgeRules.Verdict(Outcome.NOT_FOUND, false));
        assertThat(unfilled(null, "/team/nix-cache-info").outcome()).isEqualTo(Outcome.UNAUTHORIZED);
        assertThat(unfilled("Bearer " + TOKEN, "/team/nix-cache-info").outcome()).isEqualTo(Outcome.ALLOW);
        assertThat(unfilled(null, "/Team/x").outcome()).isEqualTo(Outcome.NOT_FOUND);
    }

    @Test
    void theAuthorizationHeaderIsFoundInAnyCase() {
        assertThat(EdgeRules.check("HEAD", "/team/x.narinfo", Map.of("AUTHORIZATION", "Bearer " + TOKEN),
                key -> Optional.ofNullable(STORE.get(key)), NOW)).isEqualTo(new EdgeRules.Verdict(Outcome.ALLOW, true));
    }

    @Test
    void aPrivateCachesAnswersArePrivateAtTheViewer() {
        assertThat(EdgeRules.viewerCacheControl("public, max-age=300", true)).isEqualTo("private, max-age=300");
        assertThat(EdgeRules.viewerCacheControl("public, max-age=31536000, immutable", true))
                .isEqualTo("private, max-age=31536000, immutable");
        assertThat(EdgeRules.viewerCacheControl("public, max-age=300", false)).isEqualTo("public, max-age=300");
        assertThat(EdgeRules.viewerCacheControl("no-store", true)).isEqualTo("no-store");
        assertThat(EdgeRules.viewerCacheControl(null, true)).isNull();
    }
}
