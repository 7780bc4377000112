package dev.nixfront.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiRouteTest {
    @Test
    void aRouteKnowsItsKeyParametersAndFunction() {
        assertThat(ApiRoute.PATH_STATUS.routeKey()).isEqualTo("GET /v1/caches/{cache}/paths/{hash}");
        assertThat(ApiRoute.PATH_STATUS.parameters()).containsExactly("cache", "hash");
        assertThat(ApiRoute.PATH_STATUS.function()).isEqualTo(ApiRoute.Function.QUERY);
        assertThat(ApiRoute.Function.QUERY.id()).isEqualTo("Query");
        assertThat(ApiRoute.Function.ADMIN.role()).isEqualTo("admin");
        assertThat(ApiRoute.ofRouteKey("DELETE /v1/tokens/{id}")).contains(ApiRoute.REVOKE_TOKEN);
        assertThat(ApiRoute.ofRouteKey("$default")).isEmpty();
        assertThat(ApiRoute.servedBy(ApiRoute.Function.UPLOAD))
                .containsExactly(ApiRoute.UPLOADS, ApiRoute.UPLOAD_PARTS, ApiRoute.COMPLETE_UPLOAD, ApiRoute.LOG_UPLOADS);
    }

    @Test
    void everyRouteKeyIsDeclaredOnce() {
        Set<String> keys = new HashSet<>();
        Arrays.stream(ApiRoute.values()).forEach(r -> assertThat(keys.add(r.routeKey())).as(r.routeKey()).isTrue());
    }

    @Test
    void matchesMethodAndTemplateAndDecodesParameters() {
        assertThat(ApiRoute.PATH_STATUS.match("GET", "/v1/caches/team/paths/0123456789abcdfghijklmnpqrsvwxyz"))
                .contains(Map.of("cache", "team", "hash", "0123456789abcdfghijklmnpqrsvwxyz"));
        assertThat(ApiRoute.PATH_STATUS.match("POST", "/v1/caches/team/paths/x")).isEmpty();
        assertThat(ApiRoute.PATH_STATUS.match("GET", "/v1/caches/team/paths")).isEmpty();
        assertThat(ApiRoute.PATH_STATUS.match("GET", "/v1/caches//paths/x")).isEmpty();
        assertThat(ApiRoute.PATH_STATUS.match("GET", "/v1/caches/%zz/paths/x")).as("not percent-encoding").isEmpty();
        assertThat(ApiRoute.CREATE_CACHE.match("POST", "/v1/caches")).contains(Map.of());
        assertThat(ApiRoute.CACHE_INFO.match("GET", "/v1/caches/a%20b+c")).contains(Map.of("cache", "a b+c"));
        assertThat(ApiRoute.match("DELETE", "/v1/caches/team", List.of(ApiRoute.values())))
                .contains(new ApiRoute.Match(ApiRoute.DELETE_CACHE, Map.of("cache", "team")));
        assertThat(ApiRoute.match("PUT", "/v1/caches/team", List.of(ApiRoute.values()))).isEmpty();
    }

    @Test
    void pathsAreBuiltEncodedAndMatchBackToTheSameParameters() {
        assertThat(ApiRoute.LIST_TOKENS.path()).isEqualTo("/v1/tokens");
        String path = ApiRoute.PATH_STATUS.path("a/b c", "x+y");
        assertThat(path).isEqualTo("/v1/caches/a%2Fb%20c/paths/x%2By");
        assertThat(ApiRoute.PATH_STATUS.match("GET", path)).contains(Map.of("cache", "a/b c", "hash", "x+y"));
        assertThatThrownBy(() -> ApiRoute.CACHE_INFO.path()).hasMessageContaining("takes 1 parameters [cache]");
    }
}
