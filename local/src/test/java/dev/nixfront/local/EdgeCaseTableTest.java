package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import dev.nixfront.cache.EdgeRules;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * The shared case table of the read path's rules ({@code infra/src/test/resources/dev/nixfront/infra/edge-cases.json},
 * which the CloudFront function's tests run too), through {@link EdgeRules} and through the local
 * read server over HTTP: the same store, the same clock, the same verdicts. Over HTTP an allowed
 * request reaches the origin (here one that has every object, {@code public, max-age=300}), a
 * refused one never does.
 */
class EdgeCaseTableTest {
    private static final byte[] BODY = "object body\n".getBytes(StandardCharsets.US_ASCII);
    private static final String ORIGIN_CACHE_CONTROL = "public, max-age=300";

    private static JsonNode table;
    private static Map<String, String> store;
    /** The store the read server answers from: the table's, less the running case's unset keys. */
    private static volatile Map<String, String> serving;
    private static long now;
    private static ReadServer server;

    /** One row: a request, the store's keys it runs without, and what the rules must answer ("allow", 401 or 404). */
    private record Case(String name, String method, String uri, Map<String, String> headers, List<String> unset, String expect) {
        Map<String, String> store() {
            Map<String, String> without = new TreeMap<>(EdgeCaseTableTest.store);
            unset.forEach(without::remove);
            return without;
        }
    }

    @BeforeAll
    static void load() throws IOException {
        table = Json.mapper().readTree(Files.readString(tableFile(), StandardCharsets.UTF_8));
        now = table.get("now").longValue();
        store = new TreeMap<>();
        table.get("store").properties().forEach(e -> store.put(e.getKey(), e.getValue().textValue()));
        serving = store;
        server = new ReadServer(new EverythingOrigin(), 0, key -> Optional.ofNullable(serving.get(key)),
                Clock.fixed(Instant.ofEpochSecond(now), ZoneOffset.UTC));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** The table in the infra module, from the repository root or from this module's directory. */
    private static Path tableFile() {
        Path relative = Path.of("infra/src/test/resources/dev/nixfront/infra/edge-cases.json");
        Path module = Path.of("").toAbsolutePath();
        for (Path candidate : new Path[] {module.getParent(), module}) {
            if (candidate != null && Files.isRegularFile(candidate.resolve(relative))) {
                return candidate.resolve(relative);
            }
        }
        return fail("the case table " + relative + " is not found above " + module);
    }

    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (JsonNode row : table.get("cases")) {
            Map<String, String> headers = new LinkedHashMap<>();
            row.get("headers").properties().forEach(e -> headers.put(e.getKey(), e.getValue().textValue()));
            List<String> unset = new ArrayList<>();
            row.path("unset").forEach(key -> unset.add(key.textValue()));
            cases.add(new Case(row.get("name").textValue(), row.get("method").textValue(), row.get("uri").textValue(), headers,
                    unset, row.get("expect").asText()));
        }
        return cases;
    }

    @Test
    void theTableCoversWhatTheContractAsks() {
        List<Case> cases = cases();
        assertThat(cases).hasSizeGreaterThanOrEqualTo(25);
        assertThat(cases).extracting(Case::expect).containsOnly("allow", "401", "404").contains("allow", "401", "404");
        assertThat(cases).extracting(Case::method).containsOnly("GET", "HEAD").contains("GET", "HEAD");
        assertThat(cases).extracting(Case::name).doesNotHaveDuplicates();
        assertThat(cases).allSatisfy(c -> assertThat(c.headers().keySet()).allMatch(h -> h.equals(h.toLowerCase(Locale.ROOT))));
        assertThat(store.keySet()).allMatch(key -> key.matches("c:[a-z0-9-]+|t:[0-9a-f]{64}:([a-z0-9-]+|\\*)|s:filled"));
        assertThat(cases).as("cases against a store no reconciliation has filled yet")
                .anySatisfy(c -> assertThat(c.unset()).containsExactly("s:filled"));
        assertThat(cases).allSatisfy(c -> assertThat(store.keySet()).containsAll(c.unset()));
    }

    @TestFactory
    Stream<DynamicTest> everyCaseByTheRules() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Map<String, String> caseStore = c.store();
            EdgeRules.Verdict verdict = EdgeRules.check(c.method(), c.uri(), c.headers(), key -> Optional.ofNullable(caseStore.get(key)), now);
            assertThat(expected(verdict)).as("%s %s %s", c.method(), c.uri(), c.headers()).isEqualTo(c.expect());
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyCaseThroughTheReadServer() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            serving = c.store();
            Response response = send(c);
            String what = c.method() + " " + c.uri() + " " + c.headers() + " -> " + response;
            switch (c.expect()) {
                case "401" -> {
                    assertThat(response.status()).as(what).isEqualTo(401);
                    assertThat(response.header("www-authenticate")).as(what).isEqualTo("Basic realm=\"nixfront\"");
                    assertThat(response.header("cache-control")).as(what).isEqualTo("no-store");
                }
                case "404" -> {
                    assertThat(response.status()).as(what).isEqualTo(404);
                    assertThat(response.header("cache-control")).as(what).isEqualTo("no-store");
                }
                default -> {
                    boolean privateCache = c.store().getOrDefault("c:" + c.uri().split("/")[1], "").contains("\"p\":true");
                    if (ReadServer.keyOf(c.uri()) == null) {
                        // Through the rules, but no object key of ours: the origin's miss, not the rules' refusal.
                        assertThat(response.status()).as(what).isEqualTo(404);
                        assertThat(response.header("cache-control")).as(what).isNull();
                    } else {
                        assertThat(response.status()).as(what).isEqualTo(200);
                        assertThat(response.header("cache-control")).as(what)
                                .isEqualTo(privateCache ? "private, max-age=300" : ORIGIN_CACHE_CONTROL);
                        assertThat(response.body()).as(what).isEqualTo(c.method().equals("HEAD") ? "" : "object body\n");
                    }
                }
            }
        }));
    }

    private static String expected(EdgeRules.Verdict verdict) {
        return verdict.allowed() ? "allow" : Integer.toString(verdict.outcome().status());
    }

    private record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    /**
     * The request as its bytes, header values as UTF-8: a client library would refuse some of the
     * malformed headers the table sends on purpose.
     */
    private static Response send(Case c) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.url().getPort())) {
            StringBuilder request = new StringBuilder(c.method() + " " + c.uri() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
            c.headers().forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
            request.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            int end = answer.indexOf("\r\n\r\n");
            String[] lines = answer.substring(0, end).split("\r\n");
            Map<String, String> headers = new TreeMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
            }
            return new Response(Integer.parseInt(lines[0].split(" ")[1]), headers, answer.substring(end + 4));
        }
    }

    /** An origin that has every key: what is refused, the rules refused. */
    private static final class EverythingOrigin implements ReadServer.Origin {
        @Override
        public ResponseInputStream<GetObjectResponse> get(String key) {
            InputStream body = new ByteArrayInputStream(BODY);
            return new ResponseInputStream<>(GetObjectResponse.builder().contentType("text/plain").cacheControl(ORIGIN_CACHE_CONTROL)
                    .contentLength((long) BODY.length).build(), AbortableInputStream.create(body));
        }

        @Override
        public HeadObjectResponse head(String key) {
            return HeadObjectResponse.builder().contentType("text/plain").cacheControl(ORIGIN_CACHE_CONTROL)
                    .contentLength((long) BODY.length).build();
        }
    }
}
