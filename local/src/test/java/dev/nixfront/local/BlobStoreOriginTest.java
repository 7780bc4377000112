package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.local.server.S3ProxyServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;

/**
 * The local read path's origin against a real s3proxy, written through the S3 API as the stack
 * writes: it serves the bytes and headers S3 has now, whatever it remembered, however the object
 * was written (one PUT, a multipart upload, a server-side copy), and a miss is a miss.
 */
class BlobStoreOriginTest {
    private static final String BUCKET = "nixfront";

    @TempDir
    Path directory;

    private S3ProxyServer s3proxy;
    private S3Client s3;
    private BlobStoreOrigin origin;

    @BeforeEach
    void start() {
        s3proxy = new S3ProxyServer(directory.resolve("s3"), "origin-test", "origin-test-secret-0123456789", 0).start();
        s3proxy.createBucket(BUCKET);
        s3 = S3Client.builder().endpointOverride(s3proxy.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(s3proxy.accessKeyId(), s3proxy.secretAccessKey())))
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
                .httpClient(UrlConnectionHttpClient.create()).build();
        origin = BlobStoreOrigin.open(directory.resolve("s3"), BUCKET);
    }

    @AfterEach
    void stop() {
        origin.close();
        s3.close();
        s3proxy.close();
    }

    private void put(String key, String contentType, String cacheControl, byte[] bytes) {
        s3.putObject(b -> b.bucket(BUCKET).key(key).contentType(contentType).cacheControl(cacheControl), RequestBody.fromBytes(bytes));
    }

    private static byte[] read(ReadServer.Found found) throws IOException {
        try (ReadableByteChannel body = found.body(); InputStream in = Channels.newInputStream(body)) {
            return in.readAllBytes();
        }
    }

    private static String digest(byte[] bytes) {
        try {
            return bytes.length + " bytes, SHA-256 " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void servesTheStoredBytesAndHeadersAndFollowsEveryRewrite() throws IOException {
        put("team/nix-cache-info", "text/x-nix-cache-info", "public, max-age=300", "StoreDir: /nix/store\nPriority: 40\n".getBytes(StandardCharsets.UTF_8));
        ReadServer.Found head = origin.find("team/nix-cache-info", false);
        assertThat(head.body()).isNull();
        assertThat(head.length()).isEqualTo(34);
        assertThat(head.stored().contentType()).isEqualTo("text/x-nix-cache-info");
        assertThat(head.stored().cacheControl()).isEqualTo("public, max-age=300");
        ReadServer.Found get = origin.find("team/nix-cache-info", true);
        assertThat(get.body()).as("a file goes out with sendfile").isInstanceOf(FileChannel.class);
        assertThat(new String(read(get), StandardCharsets.UTF_8)).isEqualTo("StoreDir: /nix/store\nPriority: 40\n");
        String firstEtag = get.stored().etag();

        // Rewritten with the same length (a cache's settings changed): new bytes, new headers.
        put("team/nix-cache-info", "text/plain", "no-cache", "StoreDir: /nix/store\nPriority: 41\n".getBytes(StandardCharsets.UTF_8));
        ReadServer.Found same = origin.find("team/nix-cache-info", true);
        assertThat(new String(read(same), StandardCharsets.UTF_8)).isEqualTo("StoreDir: /nix/store\nPriority: 41\n");
        assertThat(same.stored().contentType()).isEqualTo("text/plain");
        assertThat(same.stored().cacheControl()).isEqualTo("no-cache");
        assertThat(same.stored().etag()).isNotEqualTo(firstEtag);

        // And with another length.
        put("team/nix-cache-info", "text/x-nix-cache-info", "public", "StoreDir: /nix/store\n".getBytes(StandardCharsets.UTF_8));
        assertThat(origin.find("team/nix-cache-info", false).length()).isEqualTo(21);
        assertThat(read(origin.find("team/nix-cache-info", true))).isEqualTo("StoreDir: /nix/store\n".getBytes(StandardCharsets.UTF_8));

        s3.deleteObject(b -> b.bucket(BUCKET).key("team/nix-cache-info"));
        assertThat(origin.find("team/nix-cache-info", true)).isNull();
        assertThat(origin.find("team/nix-cache-info", false)).isNull();
        assertThat(origin.find("team/nothing.narinfo", true)).isNull();
        assertThat(origin.find("team", true)).as("a directory of the store is no object").isNull();
        put("team/nix-cache-info", "text/x-nix-cache-info", "public", "StoreDir: /nix/store\n".getBytes(StandardCharsets.UTF_8));
        assertThat(origin.find("team/nix-cache-info/x", true)).as("under a file").isNull();
        assertThat(origin.find("team/" + "a".repeat(300), true)).as("longer than a file name").isNull();
        for (boolean withBody : new boolean[] {false, true}) {
            assertThat(origin.find("team/nix-cache-info", withBody).stored().userMetadata())
                    .as("s3proxy's own checksums are no header S3 would send").noneSatisfy((name, value) -> assertThat(name).startsWith("s3proxy"));
        }
    }

    @Test
    void servesMultipartAndCopiedObjectsWhole() throws IOException {
        byte[] bytes = new byte[11 * 1024 * 1024 + 5];
        new Random(15).nextBytes(bytes);
        String upload = s3.createMultipartUpload(b -> b.bucket(BUCKET).key("_staging/team/x.nar.zst").contentType("application/zstd")).uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        int partSize = 5 * 1024 * 1024;
        for (int part = 1, offset = 0; offset < bytes.length; part++, offset += partSize) {
            int number = part;
            byte[] slice = Arrays.copyOfRange(bytes, offset, Math.min(offset + partSize, bytes.length));
            String etag = s3.uploadPart(b -> b.bucket(BUCKET).key("_staging/team/x.nar.zst").uploadId(upload).partNumber(number),
                    RequestBody.fromBytes(slice)).eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
        }
        s3.completeMultipartUpload(b -> b.bucket(BUCKET).key("_staging/team/x.nar.zst").uploadId(upload).multipartUpload(m -> m.parts(parts)));
        ReadServer.Found staged = origin.find("_staging/team/x.nar.zst", true);
        assertThat(staged.length()).isEqualTo(bytes.length);
        assertThat(digest(read(staged))).as("the multipart object, whole").isEqualTo(digest(bytes));
        s3.copyObject(b -> b.sourceBucket(BUCKET).sourceKey("_staging/team/x.nar.zst").destinationBucket(BUCKET).destinationKey("team/nar/x.nar.zst"));
        ReadServer.Found copied = origin.find("team/nar/x.nar.zst", true);
        assertThat(copied.length()).isEqualTo(bytes.length);
        assertThat(copied.stored().contentType()).isEqualTo("application/zstd");
        assertThat(digest(read(copied))).as("the copy, whole").isEqualTo(digest(bytes));
    }
}
