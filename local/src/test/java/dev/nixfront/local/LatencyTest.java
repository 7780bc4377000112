package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.NarUpload;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.cli.client.NixfrontClient;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./nixfront local --latency-ms N}: every request to S3 and DynamoDB, the services' own and
 * presigned uploads alike, takes at least N ms more, and works as without. Only lower bounds are
 * asserted: a loaded machine makes anything slower, never faster.
 */
class LatencyTest {
    private static final Duration LATENCY = Duration.ofMillis(300);
    private static Path directory;
    private static LocalStack stack;

    @BeforeAll
    static void start() throws Exception {
        directory = Files.createTempDirectory("nixfront-latency-test-");
        stack = LocalStack.start(new LocalStack.Options(directory, 0, 0).withLatency(LATENCY));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (stack != null) {
                stack.close();
            }
        } finally {
            LocalStackExtension.deleteTree(directory);
        }
    }

    @Test
    void everyDynamoDbRequestWaits() {
        for (int i = 0; i < 3; i++) {
            long started = System.nanoTime();
            assertThat(stack.dynamoDb().describeTable(b -> b.tableName(LocalStack.TABLE)).table().tableName()).isEqualTo(LocalStack.TABLE);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(LATENCY);
        }
    }

    @Test
    void everyS3RequestWaits() {
        for (int i = 0; i < 3; i++) {
            long started = System.nanoTime();
            stack.s3().headBucket(b -> b.bucket(LocalStack.BUCKET));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(LATENCY);
        }
    }

    @Test
    void presignedUploadsGoThroughTheDelayAndLand() throws Exception {
        NixfrontClient admin = StackClients.client(stack, stack.adminToken());
        String cache = StackClients.newCache(admin, "latency");
        byte[] file = new byte[3 * 1024 * 1024];
        new Random(15).nextBytes(file);
        Hash fileHash = Hash.sha256(file);
        UploadTarget target = admin.uploads(cache, new UploadRequest(List.of(new NarUpload(fileHash.toString(), file.length,
                Compression.ZSTD.narInfoName())))).uploads().getFirst();

        URI url = URI.create(target.put().url());
        assertThat(url.getPort()).as("presigned for the relay").isEqualTo(stack.s3Endpoint().getPort());
        long started = System.nanoTime();
        HttpResponse<String> response = PresignedHttp.put(target.put().url(), target.put().headers(), Map.of(), file);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(LATENCY);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

        byte[] stored = stack.s3().getObjectAsBytes(b -> b.bucket(LocalStack.BUCKET).key(target.key())).asByteArray();
        assertThat(Hash.sha256(stored)).as("every byte passed unchanged").isEqualTo(fileHash);
    }
}
