package dev.nixfront.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import dev.nixfront.cache.CacheSettings;
import dev.nixfront.cache.Ports;
import dev.nixfront.cache.Services;
import dev.nixfront.cache.TokenService;
import dev.nixfront.cache.TrustService;
import dev.nixfront.cache.fake.FakePorts;
import dev.nixfront.cache.fake.TestIssuer;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the handlers write to the function log when something fails: one JSON object per line, nothing secret. */
class HandlerLogTest {
    private static final String TOKEN = "nf_bootstrapbootstrapbootstrapbootstrapboots";
    private static final String BODY_HASH = "0123456789abcdfghijklmnpqrsvwxyz";

    private final FakePorts fakes = new FakePorts();
    private final RecordingContext context = new RecordingContext();

    /** A table that fails the way a backend does; its message even quotes the token, which must not reach the log. */
    private static final class FailingCaches implements CacheRepository {
        @Override
        public boolean create(CacheRecord cache, java.time.Instant replacing) {
            throw new IllegalStateException("create failed");
        }

        @Override
        public boolean markDeleted(CacheName name, String incarnation, java.time.Instant at) {
            throw new IllegalStateException("mark failed");
        }

        @Override
        public boolean update(CacheRecord current, boolean privateCache, int priority) {
            throw new IllegalStateException("update failed");
        }

        @Override
        public boolean updateGc(CacheRecord current, dev.nixfront.cache.port.GcPolicy policy) {
            throw new IllegalStateException("update failed");
        }

        @Override
        public boolean updateUpstreams(CacheRecord current, List<dev.nixfront.cache.port.UpstreamCache> upstreams) {
            throw new IllegalStateException("update failed");
        }

        @Override
        public Optional<CacheRecord> get(CacheName name) {
            throw new IllegalStateException("table unavailable (request by Bearer " + TOKEN + ")",
                    new RuntimeException("connection reset"));
        }

        @Override
        public List<CacheRecord> list() {
            throw new IllegalStateException("list failed");
        }

        @Override
        public void delete(CacheName name) {
            throw new IllegalStateException("delete failed");
        }
    }

    private Services failingServices() {
        Ports p = fakes.ports();
        Services services = Services.create(new Ports(p.objects(), new FailingCaches(), p.paths(), p.nars(), p.tokens(), p.keys(),
                p.queue(), p.metrics(), p.edge(), p.roots(), p.pins(), p.usage(), p.collections(), p.collectionQueue(), p.edgeCache()), CacheSettings.defaults("https://cache.example.org"), fakes.clock, new SecureRandom());
        services.tokens().registerBootstrap(TokenService.hash(TOKEN), "test bootstrap");
        return services;
    }

    @Test
    void aBackendFailureIsA500AndOneJsonLineWithTypeAndStackTraceButNoTokenOrBody() throws Exception {
        APIGatewayV2HTTPResponse response = new QueryHandler(failingServices()).handleRequest(
                HandlerTest.event("POST", "/v1/caches/team/missing", TOKEN, "{\"storeHashes\":[\"" + BODY_HASH + "\"]}"),
                context);

        assertThat(response.getStatusCode()).isEqualTo(500);
        assertThat(context.lines).hasSize(1);
        Logged logged = context.lines.get(0);
        assertThat(logged.level()).isEqualTo(LogLevel.ERROR);
        String text = logged.text();
        assertThat(text).endsWith("\n");
        String line = text.substring(0, text.length() - 1);
        assertThat(line).doesNotContain("\n", "\r");

        JsonNode json = Json.mapper().readTree(line);
        assertThat(json.isObject()).isTrue();
        assertThat(json.get("level").asText()).isEqualTo("ERROR");
        assertThat(json.get("message").asText()).isEqualTo("internal error");
        assertThat(json.get("errorType").asText()).isEqualTo(IllegalStateException.class.getName());
        assertThat(json.get("errorMessage").asText()).isEqualTo("table unavailable (request by Bearer nf_<masked>)");
        assertThat(json.get("stackTrace").asText())
                .startsWith(IllegalStateException.class.getName() + ": table unavailable")
                .contains("\tat dev.nixfront.functions.HandlerLogTest$FailingCaches.get(")
                .contains("Caused by: java.lang.RuntimeException: connection reset");
        assertThat(json.get("requestId").asText()).isEqualTo(context.getAwsRequestId());

        assertThat(line).doesNotContain(TOKEN, TOKEN.substring(3), BODY_HASH, "storeHashes");
    }

    @Test
    void aRefusedIdTokenExchangeAnswersUniformlyAndLogsWhyWithoutTheToken() throws Exception {
        Services services = Services.create(fakes.ports(), CacheSettings.defaults("https://cache.example.org"), fakes.clock,
                new SecureRandom());
        TestIssuer issuer = new TestIssuer("https://issuer.example");
        String idToken = issuer.token(issuer.claims("repo:acme/site:ref:refs/heads/main", "nixfront", fakes.clock.instant()));
        APIGatewayV2HTTPResponse response = new AdminHandler(services).handleRequest(HandlerTest.event("POST", "/v1/oidc/token", null,
                Json.write(Map.of("cache", "nosuch", "idToken", idToken))), context);

        assertThat(response.getStatusCode()).isEqualTo(401);
        JsonNode answer = readTree(response.getBody());
        assertThat(answer.get("field").asText()).isEqualTo("idToken");
        assertThat(answer.get("reason").asText()).isEqualTo(TrustService.REFUSAL);
        assertThat(context.lines).singleElement().satisfies(l -> {
            assertThat(l.level()).isEqualTo(LogLevel.WARN);
            JsonNode json = readTree(l.text());
            assertThat(json.get("level").asText()).isEqualTo("WARN");
            assertThat(json.get("message").asText()).contains("cache nosuch", "refused on idToken.iss", "no such cache",
                    issuer.url);
            assertThat(json.get("requestId").asText()).isEqualTo(context.getAwsRequestId());
            for (String part : idToken.split("\\.")) {
                assertThat(l.text()).doesNotContain(part);
            }
        });
    }

    @Test
    void aTokenOfAnyShapeAfterBearerOrBasicIsMasked() {
        String generated = "HVHJ4NCReEhgl0YK513BQjUdHTFxqznoX51JouWbssPn3zV8";
        JsonLog.error(context, "refused 'Authorization: Bearer " + generated + "', then basic " + generated + ")");
        assertThat(context.lines).singleElement().satisfies(l -> assertThat(l.text())
                .doesNotContain(generated)
                .contains("Bearer <masked>", "basic <masked>)"));
    }

    @Test
    void aDroppedVerifyJobIsOneJsonLineToo() {
        new VerifyHandler(failingServices()).handleRequest(Map.of("unexpected", 1), context);

        assertThat(context.lines).hasSize(1);
        String text = context.lines.get(0).text();
        assertThat(text.substring(0, text.length() - 1)).doesNotContain("\n");
        JsonNode json = readTree(text);
        assertThat(json.get("level").asText()).isEqualTo("ERROR");
        assertThat(json.get("message").asText()).startsWith("dropped a malformed verify job: ");
        assertThat(context.lines.get(0).level()).isEqualTo(LogLevel.ERROR);
    }

    private static JsonNode readTree(String text) {
        try {
            return Json.mapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError(text, e);
        }
    }

    private record Logged(String text, LogLevel level) {}

    /** A Lambda context whose logger keeps what it is given, as bytes and level the way the runtime receives them. */
    private static final class RecordingContext implements Context {
        final List<Logged> lines = new ArrayList<>();
        private final LambdaLogger logger = new LambdaLogger() {
            @Override
            public void log(String message) {
                log(message, LogLevel.UNDEFINED);
            }

            @Override
            public void log(byte[] message) {
                log(message, LogLevel.UNDEFINED);
            }

            @Override
            public void log(String message, LogLevel level) {
                lines.add(new Logged(message, level));
            }

            @Override
            public void log(byte[] message, LogLevel level) {
                lines.add(new Logged(new String(message, StandardCharsets.UTF_8), level));
            }
        };

        @Override
        public String getAwsRequestId() {
            return "8f3c2a6e-5b1d-4c7e-9a0f-2d4b6c8e1f3a";
        }

        @Override
        public String getLogGroupName() {
            return "/aws/lambda/query";
        }

        @Override
        public String getLogStreamName() {
            return "test";
        }

        @Override
        public String getFunctionName() {
            return "query";
        }

        @Override
        public String getFunctionVersion() {
            return "1";
        }

        @Override
        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:eu-west-1:000000000000:function:query:live";
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return 15_000;
        }

        @Override
        public int getMemoryLimitInMB() {
            return 1024;
        }

        @Override
        public LambdaLogger getLogger() {
            return logger;
        }
    }
}
