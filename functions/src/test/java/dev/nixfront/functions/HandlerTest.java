package dev.nixfront.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nixfront.api.Json;
import dev.nixfront.cache.CacheSettings;
import dev.nixfront.cache.Services;
import dev.nixfront.cache.TokenService;
import dev.nixfront.cache.fake.FakePorts;
import dev.nixfront.cache.port.PresignedRequest;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.compress.CompressionStreams;
import dev.nixfront.nix.nar.NarSummary;
import dev.nixfront.nix.nar.NarWriter;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API Gateway v2 events, as JSON, through the handlers, with the services on port fakes. */
class HandlerTest {
    private static final String ADMIN_TOKEN = "nf_bootstrapbootstrapbootstrapbootstrapboots";
    /** How Lambda's runtime reads the event JSON into the events class. */
    private static final ObjectMapper EVENTS = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final FakePorts fakes = new FakePorts();
    private Services services = services(CacheSettings.defaults("https://cache.example.org"));
    private final AdminHandler admin = new AdminHandler(services);
    private final QueryHandler query = new QueryHandler(services);
    private final UploadHandler upload = new UploadHandler(services);
    private final PublishHandler publish = new PublishHandler(services);

    @TempDir
    Path tmp;

    private Services services(CacheSettings settings) {
        Services services = Services.create(fakes.ports(), settings, fakes.clock, new SecureRandom());
        services.tokens().registerBootstrap(TokenService.hash(ADMIN_TOKEN), "test bootstrap");
        return services;
    }

    static APIGatewayV2HTTPEvent event(String method, String path, String token, String body) throws Exception {
        ObjectNode e = EVENTS.createObjectNode();
        e.put("version", "2.0");
        e.put("routeKey", "$default");
        e.put("rawPath", path);
        e.put("rawQueryString", "");
        ObjectNode headers = e.putObject("headers");
        headers.put("content-type", "application/json");
        if (token != null) {
            headers.put("authorization", "Bearer " + token);
        }
        e.putObject("requestContext").putObject("http").put("method", method).put("path", path);
        if (body != null) {
            e.put("body", body);
        }
        e.put("isBase64Encoded", false);
        return EVENTS.readValue(EVENTS.writeValueAsString(e), APIGatewayV2HTTPEvent.class);
    }

    record Answer(int status, JsonNode body) {
        String error() {
            return body.path("error").asText();
        }
    }

    static Answer call(com.amazonaws.services.lambda.runtime.RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> h,
                       String method, String path, String token, String body) throws Exception {
        APIGatewayV2HTTPResponse r = h.handleRequest(event(method, path, token, body), null);
        if (r.getStatusCode() != 204) {
            assertThat(r.getHeaders()).containsEntry("content-type", "application/json");
        }
        return new Answer(r.getStatusCode(), r.getBody() == null ? null : Json.mapper().readTree(r.getBody()));
    }

    @Test
    void theScheduledEdgeSyncEventRunsTheReconcilerAndNothingElse() throws Exception {
        fakes.edge.put(Map.of("c:gone", "{\"p\":true,\"i\":\"0000000000000000\"}"));
        // What the EventBridge rule sends: its fixed input, read into the handler's event class as Lambda does.
        APIGatewayV2HTTPEvent scheduled = EVENTS.readValue("{\"routeKey\":\"nixfront:edge-sync\"}", APIGatewayV2HTTPEvent.class);
        APIGatewayV2HTTPResponse r = admin.handleRequest(scheduled, null);
        assertThat(r.getStatusCode()).isEqualTo(200);
        JsonNode outcome = Json.mapper().readTree(r.getBody());
        assertThat(outcome.get("deleted").asInt()).isEqualTo(1);
        assertThat(outcome.get("put").asInt()).as("an admin token has no read entry; the store is marked filled").isEqualTo(1);
        assertThat(fakes.edge.list()).containsOnlyKeys("s:filled");
    }

    private String json(Object o) {
        return Json.write(o);
    }

    private String token(List<String> caches, List<String> permissions) throws Exception {
        Answer a = call(admin, "POST", "/v1/tokens", ADMIN_TOKEN,
                json(Map.of("description", "test", "caches", caches, "permissions", permissions)));
        assertThat(a.status()).isEqualTo(201);
        return a.body().get("token").asText();
    }

    /** A real NAR of a one-file directory, zstd-compressed, and its publish JSON. */
    private record Nar(String storePath, byte[] file, Map<String, Object> info) {}

    private Nar nar(String name) throws Exception {
        Path root = Files.createDirectories(tmp.resolve(name));
        Files.writeString(root.resolve("README"), "contents of " + name + "\n");
        ByteArrayOutputStream nar = new ByteArrayOutputStream();
        NarSummary summary = NarWriter.dumpAndHash(root, nar);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        try (OutputStream z = CompressionStreams.compress(Compression.ZSTD, file, CompressionStreams.DEFAULT_LEVEL)) {
            z.write(nar.toByteArray());
        }
        byte[] bytes = file.toByteArray();
        String hash = dev.nixfront.nix.Nix32.encode(java.util.Arrays.copyOf(Hash.sha256(name.getBytes(StandardCharsets.UTF_8)).bytes(), 20));
        String storePath = "/nix/store/" + hash + "-" + name;
        Map<String, Object> info = new HashMap<>(Map.of("storePath", storePath, "narHash", summary.narHash().toString(),
                "narSize", summary.narSize(), "fileHash", Hash.sha256(bytes).toString(), "fileSize", bytes.length,
                "compression", "zstd", "references", List.of()));
        return new Nar(storePath, bytes, info);
    }

    private void uploadThroughHandler(String token, Nar nar) throws Exception {
        Answer a = call(upload, "POST", "/v1/caches/team/uploads", token, json(Map.of("nars", List.of(Map.of(
                "fileHash", nar.info().get("fileHash"), "fileSize", nar.file().length, "compression", "zstd")))));
        assertThat(a.status()).isEqualTo(200);
        JsonNode target = a.body().at("/uploads/0");
        assertThat(target.get("present").asBoolean()).isFalse();
        Map<String, String> headers = EVENTS.convertValue(target.at("/put/headers"), new com.fasterxml.jackson.core.type.TypeReference<>() { });
        assertThat(headers).containsEntry("x-amz-checksum-sha256", Hash.parse((String) nar.info().get("fileHash")).toBase64());
        fakes.objects.clientPut(new PresignedRequest("PUT", URI.create(target.at("/put/url").asText()), headers,
                fakes.clock.instant().plusSeconds(60)), nar.file());
    }

    @Test
    void pushingThroughTheHandlersPublishesASignedPath() throws Exception {
        Answer created = call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"team\",\"priority\":41}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().get("publicKey").asText()).startsWith("team-1:");
        assertThat(created.body().get("substituter").asText()).isEqualTo("https://cache.example.org/team");
        assertThat(created.body().get("private").asBoolean()).isFalse();
        String writer = token(List.of("team"), List.of("write"));
        Nar nar = nar("hello-1.0");
        String hash = nar.storePath().substring("/nix/store/".length(), "/nix/store/".length() + 32);

        Answer missing = call(query, "POST", "/v1/caches/team/missing", writer, json(Map.of("storeHashes", List.of(hash))));
        assertThat(missing.body().get("missing")).hasSize(1);
        uploadThroughHandler(writer, nar);
        Answer published = call(publish, "POST", "/v1/caches/team/narinfos", writer, json(Map.of("paths", List.of(nar.info()))));

        assertThat(published.status()).isEqualTo(200);
        assertThat(published.body().at("/results/0/state").asText()).isEqualTo("published");
        assertThat(published.body().at("/results/0/storePath").asText()).isEqualTo(nar.storePath());
        assertThat(call(query, "POST", "/v1/caches/team/missing", writer, json(Map.of("storeHashes", List.of(hash)))).body()
                .get("missing")).isEmpty();
        assertThat(call(query, "GET", "/v1/caches/team/paths/" + hash, writer, null).body().get("state").asText()).isEqualTo("published");
        assertThat(fakes.objects.object("team/" + hash + ".narinfo")).isPresent();
        Answer info = call(query, "GET", "/v1/caches/team", writer, null);
        assertThat(info.body().get("priority").asInt()).isEqualTo(41);
        assertThat(call(query, "GET", "/v1/caches", writer, null).body().at("/caches/0/name").asText()).isEqualTo("team");
    }

    @Test
    void badInputIsA4xxWithAJsonErrorNeverA500() throws Exception {
        call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"team\"}");

        Answer malformed = call(query, "POST", "/v1/caches/team/missing", ADMIN_TOKEN, "{\"storeHashes\": [");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.error()).isEqualTo("invalid");
        assertThat(malformed.body().get("reason").asText()).isNotBlank();

        Answer wrongType = call(upload, "POST", "/v1/caches/team/uploads", ADMIN_TOKEN,
                "{\"nars\":[{\"fileHash\":\"sha256:x\",\"fileSize\":\"big\",\"compression\":\"zstd\"}]}");
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.body().get("field").asText()).isEqualTo("nars[0].fileSize");

        Answer noBody = call(publish, "POST", "/v1/caches/team/narinfos", ADMIN_TOKEN, null);
        assertThat(noBody.status()).isEqualTo(400);
        Answer nullBody = call(publish, "POST", "/v1/caches/team/narinfos", ADMIN_TOKEN, "null");
        assertThat(nullBody.status()).isEqualTo(400);

        Answer badField = call(publish, "POST", "/v1/caches/team/narinfos", ADMIN_TOKEN,
                "{\"paths\":[{\"storePath\":\"/nix/store/nope\",\"narHash\":\"x\",\"narSize\":1,\"fileHash\":\"x\",\"fileSize\":1,\"compression\":\"zstd\",\"references\":[]}]}");
        assertThat(badField.status()).isEqualTo(400);
        assertThat(badField.body().get("field").asText()).isEqualTo("paths[0].storePath");

        assertThat(call(query, "GET", "/v1/caches/Bad_Name", ADMIN_TOKEN, null).body().get("field").asText()).isEqualTo("cache");
        assertThat(call(query, "GET", "/v1/caches/nope", ADMIN_TOKEN, null).status()).isEqualTo(404);
        assertThat(call(query, "GET", "/v1/nothing", ADMIN_TOKEN, null).status()).isEqualTo(404);
        assertThat(call(query, "DELETE", "/v1/caches/team/missing", ADMIN_TOKEN, null).status()).isEqualTo(405);
        assertThat(call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"team\"}").status()).isEqualTo(409);
        Answer tooMany = call(query, "POST", "/v1/caches/team/missing", ADMIN_TOKEN,
                json(Map.of("storeHashes", java.util.Collections.nCopies(10_001, "0123456789abcdfghijklmnpqrsvwxyz"))));
        assertThat(tooMany.status()).isEqualTo(413);
        assertThat(tooMany.error()).isEqualTo("too_many");
    }

    /** A 400 {"error":"invalid","field":...,"reason":...} naming {@code field}; nothing else in the body. */
    private static void assertInvalid(Answer a, String field) {
        assertThat(a.status()).as(a.body().toString()).isEqualTo(400);
        assertThat(a.error()).isEqualTo("invalid");
        assertThat(a.body().get("field").asText()).as(a.body().toString()).isEqualTo(field);
        assertThat(a.body().get("reason").asText()).isNotBlank().doesNotContain("java.", "`");
        assertThat(a.body().properties()).extracting(Map.Entry::getKey).containsExactly("error", "field", "reason");
    }

    /** The requests a reviewer sent to a live deployment, each of which used to be accepted. */
    @Test
    void bodiesAreReadStrictlyAndEveryRefusalNamesItsField() throws Exception {
        assertInvalid(call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":5}"), "name");
        assertThat(call(query, "GET", "/v1/caches/5", ADMIN_TOKEN, null).status()).isEqualTo(404);
        assertInvalid(call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"a\",\"name\":\"b\"}"), "name");
        assertThat(call(query, "GET", "/v1/caches/b", ADMIN_TOKEN, null).status()).isEqualTo(404);
        Answer typo = call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"secret\",\"privat\":true}");
        assertInvalid(typo, "privat");
        assertThat(typo.body().get("reason").asText()).contains("private");
        assertThat(call(query, "GET", "/v1/caches/secret", ADMIN_TOKEN, null).status()).isEqualTo(404);
        Answer fraction = call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"team\",\"priority\":1.5}");
        assertInvalid(fraction, "priority");
        assertThat(fraction.body().get("reason").asText()).isEqualTo("expected a whole number, got 1.5");
        assertThat(call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"team\",\"priority\":41}").status()).isEqualTo(201);

        // A misspelt list must not read as "nothing asked": the client would skip every upload.
        String hash = "0123456789abcdfghijklmnpqrsvwxyz";
        assertInvalid(call(query, "POST", "/v1/caches/team/missing", ADMIN_TOKEN, "{\"hashes\":[\"" + hash + "\"]}"), "hashes");
        assertInvalid(call(query, "POST", "/v1/caches/team/missing", ADMIN_TOKEN, "{}"), "storeHashes");
        assertInvalid(call(query, "POST", "/v1/caches/team/missing", ADMIN_TOKEN, "{\"storeHashes\":null}"), "storeHashes");
        assertThat(call(query, "POST", "/v1/caches/team/missing", ADMIN_TOKEN, "{\"storeHashes\":[]}").status()).isEqualTo(200);
        assertInvalid(call(upload, "POST", "/v1/caches/team/uploads", ADMIN_TOKEN, "{}"), "nars");
        assertInvalid(call(upload, "POST", "/v1/caches/team/uploads/complete", ADMIN_TOKEN,
                "{\"fileHash\":\"sha256:x\",\"fileSize\":1,\"compression\":\"zstd\",\"uploadId\":\"u\",\"parts\":null}"), "parts");
        assertInvalid(call(publish, "POST", "/v1/caches/team/narinfos", ADMIN_TOKEN, "{\"path\":[]}"), "path");
        assertInvalid(call(publish, "POST", "/v1/caches/team/narinfos", ADMIN_TOKEN, "{}"), "paths");
        assertInvalid(call(admin, "POST", "/v1/tokens", ADMIN_TOKEN, "{\"caches\":[\"team\"]}"), "permissions");

        Nar nar = nar("strict");
        uploadThroughHandler(ADMIN_TOKEN, nar);
        Map<String, Object> info = nar.info();
        assertInvalid(publishWith(info, "narSize", "136"), "paths[2].narSize");
        assertInvalid(publishWith(info, "fileSize", 108.9), "paths[2].fileSize");
        assertInvalid(publishWith(info, "narSize", null), "paths[2].narSize");
        assertInvalid(publishWith(info, "references", null), "paths[2].references");
        assertInvalid(publishWith(info, "refs", List.of()), "paths[2].refs");
        // Nothing of the batch was written, and the same path, well formed, still publishes.
        assertThat(fakes.objects.keys()).noneMatch(k -> k.endsWith(".narinfo"));
        Answer published = call(publish, "POST", "/v1/caches/team/narinfos", ADMIN_TOKEN, json(Map.of("paths", List.of(info))));
        assertThat(published.body().at("/results/0/state").asText()).isEqualTo("published");
    }

    @Test
    void aCacheIsMadePrivateAndReprioritisedByPatchWithItsFieldsReadStrictly() throws Exception {
        assertThat(call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"team\"}").status()).isEqualTo(201);

        Answer updated = call(admin, "PATCH", "/v1/caches/team", ADMIN_TOKEN, "{\"private\":true,\"priority\":30}");
        assertThat(updated.status()).as(updated.body().toString()).isEqualTo(200);
        assertThat(updated.body().get("private").asBoolean()).isTrue();
        assertThat(updated.body().get("priority").asInt()).isEqualTo(30);
        JsonNode info = call(query, "GET", "/v1/caches/team", ADMIN_TOKEN, null).body();
        JsonNode withoutUsage = ((ObjectNode) info.deepCopy()).without("usage");
        assertThat(withoutUsage).isEqualTo(updated.body());
        assertThat(info.get("usage").toString()).as("info alone reads the usage").isEqualTo("{\"paths\":0,\"narBytes\":0}");
        assertThat(fakes.edge.list().get("c:team")).startsWith("{\"p\":true,");

        assertInvalid(call(admin, "PATCH", "/v1/caches/team", ADMIN_TOKEN, "{}"), "body");
        assertInvalid(call(admin, "PATCH", "/v1/caches/team", ADMIN_TOKEN, "{\"privat\":false}"), "privat");
        assertInvalid(call(admin, "PATCH", "/v1/caches/team", ADMIN_TOKEN, "{\"private\":\"false\"}"), "private");
        assertInvalid(call(admin, "PATCH", "/v1/caches/team", ADMIN_TOKEN, "{\"priority\":10001}"), "priority");
        assertThat(call(admin, "PATCH", "/v1/caches/nope", ADMIN_TOKEN, "{\"private\":false}").status()).isEqualTo(404);
        String reader = token(List.of("team"), List.of("read"));
        assertThat(call(admin, "PATCH", "/v1/caches/team", reader, "{\"private\":false}").status()).isEqualTo(403);
        assertThat(call(query, "GET", "/v1/caches/team", ADMIN_TOKEN, null).body().get("private").asBoolean()).isTrue();
    }

    /** Three copies of the path in one batch, the last with {@code field} set to {@code value} (null included). */
    private Answer publishWith(Map<String, Object> info, String field, Object value) throws Exception {
        Map<String, Object> changed = new HashMap<>(info);
        changed.put(field, value);
        String paths = json(info) + "," + json(info) + "," + EVENTS.writeValueAsString(changed); // writes nulls
        return call(publish, "POST", "/v1/caches/team/narinfos", ADMIN_TOKEN, "{\"paths\":[" + paths + "]}");
    }

    @Test
    void aBodyThatIsNotAJsonObjectIsRefusedAsTheBodyWithWhereItBroke() throws Exception {
        call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"team\"}");
        for (String body : List.of("", "null", "[]", "\"storeHashes\"", "{\"storeHashes\": [", "{\"storeHashes\":[]} []", "{storeHashes:[]}")) {
            Answer a = call(query, "POST", "/v1/caches/team/missing", ADMIN_TOKEN, body);
            assertInvalid(a, "body");
            if (!body.isEmpty() && !body.equals("null")) {
                assertThat(a.body().get("reason").asText()).as(body).contains("at line 1, column ");
            }
        }
        assertInvalid(call(publish, "POST", "/v1/caches/team/narinfos", ADMIN_TOKEN, null), "body");
    }

    @Test
    void aPathWithTooManyReferencesIsA400BeforeAnythingIsWritten() throws Exception {
        call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"team\"}");
        Nar nar = nar("hub");
        uploadThroughHandler(ADMIN_TOKEN, nar);
        List<String> references = new java.util.ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            references.add(dev.nixfront.nix.Nix32.encode(java.util.Arrays.copyOf(Hash.sha256(("r" + i).getBytes(StandardCharsets.UTF_8)).bytes(), 20))
                    + "-a-library-with-a-typical-name-1.0");
        }
        Map<String, Object> hub = new HashMap<>(nar.info());
        hub.put("references", references);

        Answer a = call(publish, "POST", "/v1/caches/team/narinfos", ADMIN_TOKEN, json(Map.of("paths", List.of(hub))));

        assertInvalid(a, "paths[0].references");
        assertThat(a.body().get("reason").asText()).contains("5000 references");
        assertThat(fakes.objects.keys()).noneMatch(k -> k.endsWith(".narinfo"));
    }

    @Test
    void tokensAreCheckedAndScopesEnforcedWithReasons() throws Exception {
        call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"team\"}");
        call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"other\"}");
        String reader = token(List.of("team"), List.of("read"));

        Answer none = call(query, "GET", "/v1/caches/team", null, null);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.error()).isEqualTo("unauthenticated");
        assertThat(none.body().get("reason").asText()).contains("missing Authorization");
        assertThat(call(query, "GET", "/v1/caches/team", "nf_wrong", null).body().get("reason").asText()).isEqualTo("unknown token");

        Answer otherCache = call(query, "GET", "/v1/caches/other", reader, null);
        assertThat(otherCache.status()).isEqualTo(403);
        assertThat(otherCache.error()).isEqualTo("forbidden");
        assertThat(call(upload, "POST", "/v1/caches/team/uploads", reader, "{\"nars\":[]}").status()).isEqualTo(403);
        assertThat(call(admin, "DELETE", "/v1/caches/team", reader, null).status()).isEqualTo(403);

        Answer list = call(admin, "GET", "/v1/tokens", ADMIN_TOKEN, null);
        String id = null;
        for (var listed : list.body().get("tokens")) {
            if (!listed.get("id").asText().equals(TokenService.BOOTSTRAP_ID)) {
                id = listed.get("id").asText();
            }
        }
        assertThat(list.body().toString()).doesNotContain(reader);
        assertThat(call(admin, "DELETE", "/v1/tokens/" + id, ADMIN_TOKEN, null).status()).isEqualTo(204);
        Answer revoked = call(query, "GET", "/v1/caches/team", reader, null);
        assertThat(revoked.status()).isEqualTo(401);
        assertThat(revoked.body().get("reason").asText()).contains("revoked");

        assertThat(call(admin, "DELETE", "/v1/caches/team", ADMIN_TOKEN, null).status()).isEqualTo(204);
        assertThat(call(query, "GET", "/v1/caches/team", ADMIN_TOKEN, null).status()).isEqualTo(404);
    }

    @Test
    void aLyingNarHashIs422AndAMissingReferenceIs409WithTheList() throws Exception {
        call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"team\"}");
        Nar nar = nar("liar");
        uploadThroughHandler(ADMIN_TOKEN, nar);
        Map<String, Object> lying = new HashMap<>(nar.info());
        lying.put("narHash", Hash.sha256(new byte[1]).toString());

        Answer refused = call(publish, "POST", "/v1/caches/team/narinfos", ADMIN_TOKEN, json(Map.of("paths", List.of(lying))));
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.error()).isEqualTo("verification_failed");
        assertThat(refused.body().get("field").asText()).isEqualTo("paths[0].narHash");

        Map<String, Object> referrer = new HashMap<>(nar.info());
        referrer.put("references", List.of("ffffffffffffffffffffffffffffffff-dep"));
        Answer conflict = call(publish, "POST", "/v1/caches/team/narinfos", ADMIN_TOKEN, json(Map.of("paths", List.of(referrer))));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.body().get("missing")).extracting(JsonNode::asText).containsExactly("ffffffffffffffffffffffffffffffff-dep");
    }

    @Test
    void aBase64BodyIsDecoded() throws Exception {
        call(admin, "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"team\"}");
        APIGatewayV2HTTPEvent e = event("POST", "/v1/caches/team/missing", ADMIN_TOKEN,
                Base64.getEncoder().encodeToString("{\"storeHashes\":[\"0123456789abcdfghijklmnpqrsvwxyz\"]}".getBytes(StandardCharsets.UTF_8)));
        e.setIsBase64Encoded(true);
        APIGatewayV2HTTPResponse r = query.handleRequest(e, null);
        assertThat(r.getStatusCode()).isEqualTo(200);
        assertThat(r.getBody()).isEqualTo("{\"missing\":[\"0123456789abcdfghijklmnpqrsvwxyz\"]}");
    }

    @Test
    void bigNarsAreVerifiedByTheVerifyHandlerFromTheJobEvent() throws Exception {
        Services asyncOnly = services(CacheSettings.defaults("https://cache.example.org").withInlineVerifyMaxBytes(1));
        call(new AdminHandler(asyncOnly), "POST", "/v1/caches", ADMIN_TOKEN, "{\"name\":\"team\"}");
        Nar nar = nar("big");
        uploadThroughHandler(ADMIN_TOKEN, nar);

        Answer answer = call(new PublishHandler(asyncOnly), "POST", "/v1/caches/team/narinfos", ADMIN_TOKEN,
                json(Map.of("paths", List.of(nar.info()))));
        assertThat(answer.body().at("/results/0/state").asText()).isEqualTo("verifying");

        // Lambda hands the handler the async payload parsed into a Map.
        Map<String, Object> event = EVENTS.readValue(Json.write(fakes.queue.jobs().get(0)),
                new com.fasterxml.jackson.core.type.TypeReference<>() { });
        String hash = nar.storePath().substring(11, 43);
        // Only the hash travels: the path's info is read back from its verifying index record.
        assertThat(event).containsEntry("cache", "team").containsEntry("storeHashes", List.of(hash))
                .containsOnlyKeys("cache", "incarnation", "storeHashes");
        assertThat((String) event.get("incarnation")).as("the cache's incarnation").matches("[0-9a-f]{16}");
        new VerifyHandler(asyncOnly).handleRequest(event, null);

        assertThat(call(new QueryHandler(asyncOnly), "GET", "/v1/caches/team/paths/" + hash, ADMIN_TOKEN, null)
                .body().get("state").asText()).isEqualTo("published");
        new VerifyHandler(asyncOnly).handleRequest(Map.of("unexpected", 1), null);
        // A hash that is not one cannot be looked up: the event is dropped, not retried.
        new VerifyHandler(asyncOnly).handleRequest(Map.of("cache", "team", "storeHashes", List.of("not-a-hash")), null);
        assertThat(call(new QueryHandler(asyncOnly), "GET", "/v1/caches/team/paths/" + hash, ADMIN_TOKEN, null)
                .body().get("state").asText()).isEqualTo("published");
    }
}
