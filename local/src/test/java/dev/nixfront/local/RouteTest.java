package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.ApiRoute;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteTest {
    @Test
    void matchesMethodAndTemplateAndExtractsPathParameters() {
        // The front matches with the declaration's own matcher (ApiRouteTest has the details).
        ApiRoute route = ApiRoute.ofRouteKey("GET /v1/caches/{cache}/paths/{hash}").orElseThrow();
        assertThat(route.routeKey()).isEqualTo("GET /v1/caches/{cache}/paths/{hash}");
        assertThat(route.match("GET", "/v1/caches/team/paths/0123456789abcdfghijklmnpqrsvwxyz"))
                .contains(Map.of("cache", "team", "hash", "0123456789abcdfghijklmnpqrsvwxyz"));
        assertThat(route.match("POST", "/v1/caches/team/paths/x")).isEmpty();
        assertThat(route.match("GET", "/v1/caches/team/paths")).isEmpty();
        assertThat(route.match("GET", "/v1/caches//paths/x")).isEmpty();
        assertThat(ApiRoute.CREATE_CACHE.match("POST", "/v1/caches")).contains(Map.of());
    }

    @Test
    void theReadServerServesCacheObjectsButNeverStaging() {
        assertThat(ReadServer.keyOf("/team/nix-cache-info")).isEqualTo("team/nix-cache-info");
        assertThat(ReadServer.keyOf("/team/nar/1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s.nar.zst"))
                .isEqualTo("team/nar/1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s.nar.zst");
        assertThat(ReadServer.keyOf("/_staging/team/x.nar.zst")).isNull();
        assertThat(ReadServer.keyOf("/%5Fstaging/team/x.nar.zst")).isNull();
        assertThat(ReadServer.keyOf("/Team/nix-cache-info")).as("not a cache name").isNull();
        // Found by an outside review: a NUL reached the blob store's file system and answered 503.
        assertThat(ReadServer.keyOf("/team/nix-cache-info%00")).isNull();
        assertThat(ReadServer.keyOf("/team/a%0Ab.narinfo")).isNull();
        assertThat(ReadServer.keyOf("/team/a%5Cb.narinfo")).isNull();
        assertThat(ReadServer.keyOf("/team/staging/x.nar.zst")).as("the old staging shape").isNull();
        assertThat(ReadServer.keyOf("/team/%2e%2e/other/x")).isNull();
        assertThat(ReadServer.keyOf("/team")).isNull();
        assertThat(ReadServer.keyOf("/team/a%2Fb")).isNull();
        assertThat(ReadServer.keyOf("/team/a%zz.narinfo")).as("a malformed escape is a miss, not a 503").isNull();
        assertThat(ReadServer.keyOf("/team/a%")).isNull();
        assertThat(ReadServer.keyOf("/team/" + "a".repeat(255))).as("a file name's longest").isEqualTo("team/" + "a".repeat(255));
        assertThat(ReadServer.keyOf("/team/" + "a".repeat(256))).as("longer than a file name").isNull();
        assertThat(ReadServer.keyOf("/team" + "/ab".repeat(400))).as("longer than an S3 key").isNull();
    }
}
