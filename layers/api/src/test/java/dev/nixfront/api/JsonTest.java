package dev.nixfront.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void writesIsoInstantsOmitsNullsAndSpellsPrivate() {
        CacheInfo info = new CacheInfo("team", "team-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=", "https://c.example/team",
                40, true, Instant.parse("2026-11-25T17:00:00Z"));
        assertThat(Json.write(info)).isEqualTo("{\"name\":\"team\",\"publicKey\":\"team-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=\","
                + "\"substituter\":\"https://c.example/team\",\"priority\":40,\"private\":true,\"createdAt\":\"2026-11-25T17:00:00Z\"}");
        assertThat(Json.write(new ApiError("invalid", null, "bad"))).isEqualTo("{\"error\":\"invalid\",\"reason\":\"bad\"}");
        assertThat(Json.write(new ApiError("conflict", "paths[0].references", "missing", List.of("a-b"))))
                .isEqualTo("{\"error\":\"conflict\",\"field\":\"paths[0].references\",\"reason\":\"missing\",\"missing\":[\"a-b\"]}");
    }

    @Test
    void readsRecordsIgnoringUnknownFieldsAndDefaultingAbsentListsToEmpty() throws Exception {
        CreateCacheRequest create = Json.read("{\"name\":\"team\",\"private\":true,\"future\":1}", CreateCacheRequest.class);
        assertThat(create.name()).isEqualTo("team");
        assertThat(create.privateCache()).isTrue();
        assertThat(create.priority()).isNull();
        assertThat(Json.read("{}", PublishRequest.class).paths()).isEmpty();
        PathInfo p = Json.read("{\"storePath\":\"/nix/store/x\",\"narSize\":5}", PathInfo.class);
        assertThat(p.references()).isEmpty();
        assertThat(p.narSize()).isEqualTo(5);
        CreateTokenRequest token = Json.read("{\"caches\":[\"*\"],\"permissions\":[\"admin\"],\"expiresAt\":\"2027-01-01T00:00:00Z\"}",
                CreateTokenRequest.class);
        assertThat(token.expiresAt()).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
    }

    @Test
    void roundTripsEveryRecordTheCliSends() throws Exception {
        UploadResponse upload = new UploadResponse(List.of(new UploadTarget("sha256:x", "team/nar/x.nar.zst", false,
                new SignedRequest("PUT", "http://s3/x", Map.of("Content-Length", "5")), null),
                new UploadTarget("sha256:y", "_staging/team/y.nar", false, null,
                        new MultipartUpload("u1", 16 << 20, 2, List.of(new PartUrl(1, "http://s3/y?partNumber=1", Map.of()))))),
                Instant.parse("2026-11-25T17:15:00Z"));
        assertThat(Json.read(Json.write(upload), UploadResponse.class)).isEqualTo(upload);
        PublishRequest publish = new PublishRequest(List.of(new PathInfo("/nix/store/a-b", "sha256:n", 1, "sha256:f", 2, "zstd",
                List.of("r-s"), "d-e.drv", null)));
        assertThat(Json.read(Json.write(publish), PublishRequest.class)).isEqualTo(publish);
    }

    @Test
    void malformedInputNamesThePathAndNeverLeaksJavaTypes() throws Exception {
        assertThatThrownBy(() -> Json.read("{\"paths\":[{\"narSize\":\"big\"}]}", PublishRequest.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> {
                    assertThat(e.field()).isEqualTo("paths[0].narSize");
                    assertThat(e.reason()).isEqualTo("expected a whole number, got 'big'");
                });
        assertThatThrownBy(() -> Json.read("{\"paths\": [", PublishRequest.class)).isInstanceOf(InvalidJsonException.class);
        assertThatThrownBy(() -> Json.read("{} {}", PublishRequest.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.reason()).contains("more content"));
        assertThatThrownBy(() -> Json.read("{\"paths\":{}}", PublishRequest.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> {
                    assertThat(e.field()).isEqualTo("paths");
                    assertThat(e.reason()).isEqualTo("expected an array");
                });
        assertThatThrownBy(() -> Json.read("", PublishRequest.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.field()).isNull());
        // Absent or null numbers read as 0, which the server's validation refuses by name.
        assertThat(Json.read("{\"narSize\":null}", PathInfo.class).narSize()).isZero();
    }

    @Test
    void secretsStayOutOfToString() {
        assertThat(new CreatedToken("nf_secret", null).toString()).doesNotContain("nf_secret");
        assertThat(new CreateCacheRequest("team", null, null, "team-1:c2VjcmV0").toString()).doesNotContain("c2VjcmV0");
    }
}
