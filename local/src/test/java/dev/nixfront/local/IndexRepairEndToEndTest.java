package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResult;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.cli.client.ClientConfig;
import dev.nixfront.cli.client.NixfrontClient;
import dev.nixfront.nix.Compression;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Issue 9 against the real stack: an index item lost after its narinfo was written (deleted here
 * straight from dynalite, as a crash between the two writes leaves it) is rebuilt by the next
 * publish of a referrer, which does not carry the lost path's info, and Nix substitutes the lot.
 */
@ExtendWith(LocalStackExtension.class)
class IndexRepairEndToEndTest {

    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    private static void upload(NixfrontClient client, String cache, TestNar nar) throws Exception {
        UploadTarget target = client.uploads(cache, new UploadRequest(List.of(new NarUpload(nar.fileHash().toString(),
                nar.fileSize(), nar.compression().narInfoName())))).uploads().getFirst();
        assertThat(target.put()).as("a single PUT for a small NAR").isNotNull();
        assertThat(PresignedHttp.put(target.put().url(), target.put().headers(), Map.of(), nar.file()).statusCode()).isEqualTo(200);
    }

    @Test
    void aDeletedIndexItemIsRebuiltByTheNextPublishOfAReferrer(LocalStack stack, @TempDir Path work) throws Exception {
        NixfrontClient admin = new NixfrontClient(new ClientConfig(stack.apiUrl(), stack.adminToken()), PresignedHttp.HTTP);
        String cache = "heal-" + Closures.seed().substring(0, 8);
        var created = admin.createCache(new CreateCacheRequest(cache, null, null, null));
        NixTool nix = new NixTool(work);
        String top = nix.build(Closures.chain(Closures.seed(), 100)).getFirst();
        List<String> closure = nix.closure(top);
        String middle = closure.stream().filter(p -> p.contains("-middle-")).findFirst().orElseThrow();
        String base = closure.stream().filter(p -> p.contains("-base-")).findFirst().orElseThrow();
        TestNar baseNar = TestNar.pack(base, Compression.ZSTD, List.of());
        upload(admin, cache, baseNar);
        assertThat(admin.publish(cache, new PublishRequest(List.of(baseNar.info()))).results())
                .extracting(PublishResult::state).containsExactly("published");

        // The item is keyed by the cache's incarnation: PATH#<cache>.<incarnation>#<hash>.
        String incarnation = new dev.nixfront.aws.DynamoDbCacheRepository(stack.dynamoDb(), LocalStack.TABLE)
                .get(dev.nixfront.cache.port.CacheName.of(cache)).orElseThrow().incarnation();
        stack.dynamoDb().deleteItem(b -> b.tableName(LocalStack.TABLE).key(Map.of(
                "pk", AttributeValue.fromS("PATH#" + cache + "." + incarnation + "#" + baseNar.hashPart()),
                "sk", AttributeValue.fromS("PATH"))).conditionExpression("attribute_exists(pk)"));
        assertThat(admin.missing(cache, new MissingRequest(List.of(baseNar.hashPart()))).missing())
                .as("missing reads the index only").containsExactly(baseNar.hashPart());

        TestNar middleNar = TestNar.pack(middle, Compression.ZSTD, List.of(Path.of(base).getFileName().toString()));
        upload(admin, cache, middleNar);
        assertThat(admin.publish(cache, new PublishRequest(List.of(middleNar.info()))).results())
                .extracting(PublishResult::state).containsExactly("published");

        assertThat(admin.pathStatus(cache, baseNar.hashPart()).state()).isEqualTo("published");
        assertThat(admin.missing(cache, new MissingRequest(List.of(baseNar.hashPart()))).missing()).isEmpty();
        Path store = Files.createTempDirectory(work, "store-");
        nix.copyFrom(created.substituter(), created.publicKey(), store, List.of(middle))
                .ok("nix copy --from the cache whose index was repaired");
    }
}
