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
                + "\"substituter\":\"https://c.example/team\",\"priority\":40,\"private\":true,\"createdAt\":\"2026-11-25T17:00:00Z\","
                + "\"retention\":\"forever\",\"narGrace\":\"30d\",\"upstreams\":[]}");
        assertThat(Json.write(new ApiError("invalid", null, "bad"))).isEqualTo("{\"error\":\"invalid\",\"reason\":\"bad\"}");
        assertThat(Json.write(new ApiError("conflict", "paths[0].references", "missing", List.of("a-b"))))
                .isEqualTo("{\"error\":\"conflict\",\"field\":\"paths[0].references\",\"reason\":\"missing\",\"missing\":[\"a-b\"],\"missingCount\":1}");
    }

    @Test
    void readsRequestsAndResponsesAndIgnoresUnknownFieldsOnlyInResponses() throws Exception {
        CreateCacheRequest create = Json.readRequest("{\"name\":\"team\",\"private\":true}", CreateCacheRequest.class);
        assertThat(create.name()).isEqualTo("team");
        assertThat(create.privateCache()).isTrue();
        assertThat(create.priority()).isNull();
        assertThat(Json.readRequest("{\"paths\":[]}", PublishRequest.class).paths()).isEmpty();
        CreateTokenRequest token = Json.readRequest("{\"caches\":[\"*\"],\"permissions\":[\"admin\"],\"expiresAt\":\"2027-01-01T00:00:00Z\"}",
                CreateTokenRequest.class);
        assertThat(token.expiresAt()).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
        // A newer server may add fields to an answer; this client must still read it.
        CacheInfo info = Json.read("{\"name\":\"team\",\"priority\":40,\"private\":false,\"future\":{\"x\":[1]}}", CacheInfo.class);
        assertThat(info.name()).isEqualTo("team");
        assertThat(Json.read("{\"missing\":[],\"future\":1}", MissingResponse.class).missing()).isEmpty();
        // Java callers may still pass null lists: records hold empty ones.
        assertThat(new PublishRequest(null).paths()).isEmpty();
    }

    /** The bugs a reviewer found live, each of which the server used to accept. */
    @Test
    void requestsWithUnknownPropertiesAreRefusedNamingThem() {
        assertRefused("{\"privat\":true,\"name\":\"team\"}", CreateCacheRequest.class, "privat",
                "unknown property; expected one of name, priority, private, signingKey, upstreams");
        assertRefused("{\"hashes\":[\"0123456789abcdfghijklmnpqrsvwxyz\"]}", MissingRequest.class, "hashes",
                "unknown property; expected one of storeHashes");
        assertRefused("{\"paths\":[" + PATH + "," + PATH.replace("\"ca\"", "\"CA\"") + "]}", PublishRequest.class, "paths[1].CA",
                "unknown property; expected one of ca, compression, deriver, fileHash, fileSize, narHash, narSize, references, storePath");
    }

    @Test
    void numbersStringsAndBooleansAreNeverCoerced() {
        assertRefused("{\"name\":5}", CreateCacheRequest.class, "name", "expected a string, got 5");
        assertRefused("{\"name\":true}", CreateCacheRequest.class, "name", "expected a string, got true");
        assertRefused("{\"name\":{\"a\":1}}", CreateCacheRequest.class, "name", "expected a string, got an object");
        assertRefused("{\"name\":[\"team\"]}", CreateCacheRequest.class, "name", "expected a string, got an array");
        assertRefused("{\"name\":\"team\",\"priority\":1.5}", CreateCacheRequest.class, "priority", "expected a whole number, got 1.5");
        assertRefused("{\"name\":\"team\",\"priority\":1e2}", CreateCacheRequest.class, "priority", "expected a whole number, got 1e2");
        assertRefused("{\"name\":\"team\",\"priority\":\"40\"}", CreateCacheRequest.class, "priority",
                "expected a whole number, got the string \"40\"");
        assertRefused("{\"name\":\"team\",\"priority\":\"\"}", CreateCacheRequest.class, "priority",
                "expected a whole number, got an empty string");
        assertRefused("{\"name\":\"team\",\"priority\":99999999999}", CreateCacheRequest.class, "priority",
                "expected a whole number in range -2147483648..2147483647, got 99999999999");
        assertRefused("{\"name\":\"team\",\"private\":\"false\"}", CreateCacheRequest.class, "private",
                "expected true or false, got the string \"false\"");
        assertRefused("{\"name\":\"team\",\"private\":1}", CreateCacheRequest.class, "private", "expected true or false, got 1");
        assertRefused("{\"paths\":[" + PATH + "," + PATH + "," + PATH.replace("\"narSize\":120", "\"narSize\":\"136\"") + "]}",
                PublishRequest.class, "paths[2].narSize", "expected a whole number, got the string \"136\"");
        assertRefused("{\"paths\":[" + PATH.replace("\"fileSize\":120", "\"fileSize\":108.9") + "]}",
                PublishRequest.class, "paths[0].fileSize", "expected a whole number, got 108.9");
        assertRefused("{\"paths\":[" + PATH.replace("\"narSize\":120", "\"narSize\":99999999999999999999") + "]}",
                PublishRequest.class, "paths[0].narSize",
                "expected a whole number in range -9223372036854775808..9223372036854775807, got 99999999999999999999");
        assertRefused("{\"storeHashes\":[\"0123456789abcdfghijklmnpqrsvwxyz\",5]}", MissingRequest.class, "storeHashes[1]",
                "expected a string, got 5");
        assertRefused("{\"storeHashes\":\"0123456789abcdfghijklmnpqrsvwxyz\"}", MissingRequest.class, "storeHashes",
                "expected an array, got the string \"0123456789abcdfghijklmnpqrsvwxyz\"");
    }

    @Test
    void instantsAreOnlyIsoText() throws Exception {
        String token = "{\"caches\":[\"*\"],\"permissions\":[\"read\"],\"expiresAt\":%s}";
        assertThat(Json.readRequest(token.formatted("\"2027-01-01T01:00:00+01:00\""), CreateTokenRequest.class).expiresAt())
                .isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
        // Milliseconds read as seconds would be a token for 50,000 years.
        assertRefused(token.formatted("1798761600000"), CreateTokenRequest.class, "expiresAt",
                "expected an ISO-8601 instant such as 2026-11-25T17:00:00Z, got a number");
        assertRefused(token.formatted("\"1798761600\""), CreateTokenRequest.class, "expiresAt",
                "expected an ISO-8601 instant such as 2026-11-25T17:00:00Z, got the string \"1798761600\"");
        assertRefused(token.formatted("\"next year\""), CreateTokenRequest.class, "expiresAt",
                "expected an ISO-8601 instant such as 2026-11-25T17:00:00Z, got the string \"next year\"");
    }

    @Test
    void aPropertyGivenTwiceIsRefusedNamingIt() {
        assertRefused("{\"name\":\"a\",\"name\":\"b\"}", CreateCacheRequest.class, "name",
                "the property appears more than once at line 1, column 19");
        assertRefused("{\"paths\":[" + PATH + "," + PATH.replace("\"narSize\":120", "\"narSize\":120,\"narSize\":121") + "]}",
                PublishRequest.class, "paths[1].narSize", null);
        // Responses too: a server never writes one, so one means something between is broken.
        assertThatThrownBy(() -> Json.read("{\"missing\":[],\"missing\":[\"x\"]}", MissingResponse.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.field()).isEqualTo("missing"));
    }

    @Test
    void requiredListsAndPrimitivesMustBePresentAndNotNull() {
        assertRefused("{}", MissingRequest.class, "storeHashes", "required: expected an array");
        assertRefused("{\"storeHashes\":null}", MissingRequest.class, "storeHashes", "expected an array, got null");
        assertRefused("{}", UploadRequest.class, "nars", "required: expected an array");
        assertRefused("{\"nars\":null}", UploadRequest.class, "nars", "expected an array, got null");
        assertRefused("{}", PublishRequest.class, "paths", "required: expected an array");
        assertRefused("{\"paths\":null}", PublishRequest.class, "paths", "expected an array, got null");
        assertRefused("{\"fileHash\":\"sha256:x\",\"fileSize\":1,\"compression\":\"xz\",\"uploadId\":\"u\"}",
                CompleteUploadRequest.class, "parts", "required: expected an array");
        assertRefused("{\"permissions\":[\"read\"]}", CreateTokenRequest.class, "caches", "required: expected an array");
        assertRefused("{\"caches\":[\"team\"],\"permissions\":null}", CreateTokenRequest.class, "permissions",
                "expected an array, got null");
        assertRefused("{\"paths\":[" + PATH + "," + PATH.replace(",\"references\":[]", "") + "]}", PublishRequest.class,
                "paths[1].references", "required: expected an array");
        assertRefused("{\"paths\":[" + PATH.replace("\"references\":[]", "\"references\":null") + "]}", PublishRequest.class,
                "paths[0].references", "expected an array, got null");
        assertRefused("{\"paths\":[" + PATH.replace("\"narSize\":120", "\"narSize\":null") + "]}", PublishRequest.class,
                "paths[0].narSize", "expected a whole number, got null");
        assertRefused("{\"paths\":[" + PATH.replace("\"narSize\":120,", "") + "]}", PublishRequest.class,
                "paths[0].narSize", "required: expected a whole number");
        assertRefused("{\"nars\":[{\"fileHash\":\"sha256:x\",\"compression\":\"xz\"}]}", UploadRequest.class,
                "nars[0].fileSize", "required: expected a whole number");
    }

    @Test
    void aBodyThatIsNotOneJsonObjectIsRefusedAsTheBodyWithItsPosition() {
        assertRefused("", PublishRequest.class, "body", "the request needs a JSON body");
        assertRefused(" \n", PublishRequest.class, "body", "the request needs a JSON body");
        assertRefused("null", PublishRequest.class, "body", "expected a JSON object, got null");
        assertRefused("[]", PublishRequest.class, "body", "expected an object, got an array at line 1, column 1");
        assertRefused("\"paths\"", PublishRequest.class, "body", "expected an object, got the string \"paths\" at line 1, column 1");
        assertRefused("5", PublishRequest.class, "body", "expected an object, got a number at line 1, column 1");
        assertRefused("{\"paths\":[]} {}", PublishRequest.class, "body",
                "malformed JSON at line 1, column 14: more content after the end of the value");
        assertRefused("{\"paths\": [", PublishRequest.class, "body", null);
        assertRefused("{\"paths\": []}\n x", PublishRequest.class, "body", null);
        assertRefused("{paths: []}", PublishRequest.class, "body", null);
        assertRefused("{\"paths\":[" + PATH + "]]}", PublishRequest.class, "body", null);
        assertThatThrownBy(() -> Json.readRequest("{\"paths\":\n  [", PublishRequest.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.reason())
                        .isEqualTo("malformed JSON at line 2, column 4: Unexpected end-of-input: expected close marker for Array"));
        assertRefused("{\"paths\":[{\"storePath\":\"x\"]}", PublishRequest.class, "body",
                "malformed JSON at line 1, column 27: Unexpected close marker ']': expected '}'");

        // An unquoted value is quoted back by Jackson: an ID token, a JWT's header, up to 256 characters of it.
        String jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImtleS0xIn0.eyJzdWIiOiJyZXBvOmFjbWUvc2l0ZSJ9.c2lnbmF0dXJl";
        assertThatThrownBy(() -> Json.readRequest("{\"cache\":\"team\",\"idToken\":" + jwt + "}", OidcTokenRequest.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.reason())
                        .startsWith("malformed JSON at line 1, column ").contains("Unrecognized token").doesNotContain("eyJ"));
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
    void responsesAreReadAsStrictlyButForUnknownProperties() throws Exception {
        assertThatThrownBy(() -> Json.read("{\"paths\":[{\"narSize\":\"big\"}]}", PublishRequest.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> {
                    assertThat(e.field()).isEqualTo("paths[0].narSize");
                    assertThat(e.reason()).isEqualTo("expected a whole number, got the string \"big\"");
                });
        assertThatThrownBy(() -> Json.read("{\"paths\": [", PublishRequest.class)).isInstanceOf(InvalidJsonException.class);
        assertThatThrownBy(() -> Json.read("{\"paths\":[]} {}", PublishRequest.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.reason()).contains("more content"));
        assertThatThrownBy(() -> Json.read("{\"paths\":{}}", PublishRequest.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> {
                    assertThat(e.field()).isEqualTo("paths");
                    assertThat(e.reason()).isEqualTo("expected an array, got an object");
                });
        assertThatThrownBy(() -> Json.read("{\"name\":5,\"priority\":40,\"private\":false}", CacheInfo.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.field()).isEqualTo("name"));
        assertThatThrownBy(() -> Json.read("{\"name\":\"team\",\"private\":false}", CacheInfo.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.field()).isEqualTo("priority"));
        assertThatThrownBy(() -> Json.read("", PublishRequest.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.field()).isEqualTo("body"));
        assertThatThrownBy(() -> Json.convert(Map.of("missing", List.of("a", 5)), MissingResponse.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> {
                    assertThat(e.field()).isEqualTo("missing[1]");
                    assertThat(e.reason()).isEqualTo("expected a string, got 5");
                });
        assertThatThrownBy(() -> Json.convert(Map.of("error", "invalid", "missing", List.of("x"), "reason", "r"), Refusing.class))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.reason()).isEqualTo("invalid value: no x here"));
    }

    record Refusing(String error, List<String> missing, String reason) {
        Refusing {
            if (missing.contains("x")) {
                throw new IllegalArgumentException("no x here");
            }
        }
    }

    private static final String PATH = "{\"storePath\":\"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi\","
            + "\"narHash\":\"sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h\",\"narSize\":120,"
            + "\"fileHash\":\"sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h\",\"fileSize\":120,"
            + "\"compression\":\"none\",\"ca\":\"fixed:r:sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h\",\"references\":[]}";

    /** A request refused with exactly this field and, unless null, this reason; never a Java type name. */
    private static void assertRefused(String json, Class<?> type, String field, String reason) {
        assertThatThrownBy(() -> Json.readRequest(json, type))
                .as(json)
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> {
                    assertThat(e.field()).as(json).isEqualTo(field);
                    if (reason != null) {
                        assertThat(e.reason()).as(json).isEqualTo(reason);
                    }
                    assertThat(e.reason()).as(json).doesNotContain("java.", "dev.nixfront", "`", "Source", "Jackson");
                });
    }

    @Test
    void secretsStayOutOfToString() {
        assertThat(new CreatedToken("nf_secret", null).toString()).doesNotContain("nf_secret");
        assertThat(new CreateCacheRequest("team", null, null, "team-1:c2VjcmV0").toString()).doesNotContain("c2VjcmV0");
    }
}
