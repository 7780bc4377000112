package dev.nixfront.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.aws.AwsClients;
import dev.nixfront.cache.CacheSettings;
import dev.nixfront.cache.Services;
import dev.nixfront.cache.fake.FakePorts;
import dev.nixfront.nix.nar.NarReader;
import java.io.ByteArrayInputStream;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SnapStart priming of every handler, on the domain's fakes and with AWS unreachable (every SDK
 * client points at a closed port): it runs the handler's own request, JSON, signing and NAR work,
 * writes nothing, queues nothing, and a step that cannot reach AWS is logged, never thrown, so the
 * snapshot is never failed by it. The AWS-mode suite runs the same against the stand-ins.
 */
class PrimingTest {
    private final FakePorts fakes = new FakePorts();
    private final Services services = Services.create(fakes.ports(), CacheSettings.defaults("https://cache.example.org"),
            fakes.clock, new SecureRandom());
    private final List<String> writes = new ArrayList<>();
    private final FunctionConfig config = FunctionConfig.from(Map.of(
            FunctionConfig.REGION, "eu-west-1",
            FunctionConfig.TABLE, "table",
            FunctionConfig.BUCKET, "bucket",
            FunctionConfig.KMS_KEY_ARN, "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9",
            FunctionConfig.VERIFY_FUNCTION, "arn:aws:lambda:eu-west-1:123456789012:function:verify:live",
            FunctionConfig.COLLECT_FUNCTION, "arn:aws:lambda:eu-west-1:123456789012:function:collect:live",
            // The discard port: nothing listens, so every SDK call fails at once.
            FunctionConfig.ENDPOINT_URL, "http://127.0.0.1:9"));
    private AwsClients clients;
    private String accessKey;
    private String secretKey;

    @BeforeEach
    void unreachableAws() {
        accessKey = System.setProperty("aws.accessKeyId", "AKIAPRIMINGTEST00000");
        secretKey = System.setProperty("aws.secretAccessKey", "priming-test-secret");
        clients = AwsClients.create(config.clientConfig());
        fakes.objects.afterWrite(writes::add);
        fakes.tokens.beforeCreate(() -> writes.add("token"));
        fakes.paths.onPut = () -> writes.add("path");
    }

    @AfterEach
    void restore() {
        clients.close();
        restore("aws.accessKeyId", accessKey);
        restore("aws.secretAccessKey", secretKey);
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    @Test
    void everyHandlerIsPrimedWithoutWritingAnything() {
        Function<com.amazonaws.services.lambda.runtime.Context, dev.nixfront.cache.port.CollectionQueue> noHandOff = c -> job -> {
            throw new AssertionError("priming handed a collection on");
        };
        List<Object> handlers = List.of(new QueryHandler(services), new UploadHandler(services), new PublishHandler(services),
                new VerifyHandler(services), new AdminHandler(services), new CollectHandler(services, noHandOff, Clock.systemUTC()));
        for (Object handler : handlers) {
            Priming priming = Priming.of(handler, config, clients);
            List<Priming.Outcome> outcomes = priming.prime();
            priming.afterRestore(null);

            assertThat(outcomes).as(priming.function()).isNotEmpty();
            for (Priming.Outcome outcome : outcomes) {
                if (List.of("handler", "json", "nar", "signing", "s3 presign").contains(outcome.step())) {
                    assertThat(outcome.result()).as(priming.function() + " " + outcome).isEqualTo("ok");
                } else {
                    // Every SDK request fails here (nothing listens), and is reported, not thrown.
                    assertThat(outcome.result()).as(priming.function() + " " + outcome).isEqualTo("failed");
                    assertThat(outcome.detail()).as(priming.function() + " " + outcome).isNotEmpty();
                }
            }
        }
        assertThat(writes).isEmpty();
        assertThat(fakes.caches.list()).isEmpty();
        assertThat(fakes.queue.jobs()).isEmpty();
        assertThat(fakes.collectionQueue.jobs()).isEmpty();
        assertThat(fakes.edge.batches()).isEmpty();
    }

    @Test
    void theNarItChecksIsWellFormed() throws Exception {
        assertThat(NarReader.verify(new ByteArrayInputStream(Priming.tinyNar())).narSize()).isEqualTo(Priming.tinyNar().length);
    }

    @Test
    void aHandlerThatIsNotOursIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Priming.of("not a handler", config, clients))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
