package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.Json;
import dev.nixfront.api.PartUrl;
import dev.nixfront.api.SignedRequest;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.cache.port.CompletedPart;
import dev.nixfront.cache.port.NoSuchObjectException;
import dev.nixfront.cache.port.ObjectChangedException;
import dev.nixfront.cache.port.PresignedRequest;
import dev.nixfront.cache.port.StoredObject;
import dev.nixfront.cache.port.UploadRejectedException;
import dev.nixfront.nix.Hash;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** {@link S3ObjectStore} over the wire against s3proxy, which enforces SigV4 like S3. */
@ExtendWith(LocalAws.Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3ObjectStoreTest {
    private static final String NAR = "application/x-nix-nar";
    private static final String IMMUTABLE = "public, max-age=31536000, immutable";
    private static final int MIB = 1024 * 1024;

    private LocalAws aws;
    private S3ObjectStore store;

    @BeforeAll
    void setUp(LocalAws aws) {
        this.aws = aws;
        this.store = S3ObjectStore.create(aws.clients(), aws.newBucket());
    }

    @Test
    void putHeadGetAndDelete() throws IOException {
        byte[] body = "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n".getBytes(StandardCharsets.UTF_8);
        store.put("team/nix-cache-info", body, "text/x-nix-cache-info", "public, max-age=300");

        StoredObject head = store.head("team/nix-cache-info").orElseThrow();
        assertThat(head.size()).isEqualTo(body.length);
        assertThat(head.contentType()).isEqualTo("text/x-nix-cache-info");
        assertThat(head.etag()).isNotBlank();
        try (InputStream in = store.get("team/nix-cache-info")) {
            assertThat(in.readAllBytes()).isEqualTo(body);
        }
        var cacheControl = aws.clients().s3().headObject(b -> b.bucket(store.bucket()).key("team/nix-cache-info")).cacheControl();
        assertThat(cacheControl).isEqualTo("public, max-age=300");

        store.delete("team/nix-cache-info");
        assertThat(store.head("team/nix-cache-info")).isEmpty();
        store.delete("team/nix-cache-info");
    }

    @Test
    void missingObjects() {
        assertThat(store.head("team/absent.narinfo")).isEmpty();
        assertThatThrownBy(() -> store.get("team/absent.narinfo"))
                .isInstanceOf(NoSuchObjectException.class)
                .hasMessageContaining("team/absent.narinfo");
    }

    @Test
    void putIfAbsentRefusesAnExistingKey() throws IOException {
        assertThat(store.putIfAbsent("team/once.narinfo", bytes("first"), "text/x-nix-narinfo", "no-cache")).isTrue();
        assertThat(store.putIfAbsent("team/once.narinfo", bytes("second"), "text/x-nix-narinfo", "no-cache")).isFalse();
        assertThat(read("team/once.narinfo")).isEqualTo(bytes("first"));
    }

    @Test
    void presignedPutStoresExactlyTheSignedBytes() throws Exception {
        byte[] nar = randomBytes(1000, 1);
        Hash sha256 = Hash.sha256(nar);
        String key = "_staging/team/" + sha256.toNix32() + ".nar";
        PresignedRequest put = store.presignPut(key, nar.length, sha256, NAR, IMMUTABLE, Duration.ofMinutes(15));

        assertThat(put.method()).isEqualTo("PUT");
        assertThat(put.url().toString()).startsWith(aws.s3Server().endpoint() + "/" + store.bucket() + "/" + key + "?");
        assertThat(put.headers())
                .containsEntry("content-length", "1000")
                .containsEntry("x-amz-checksum-sha256", sha256.toBase64())
                .containsEntry("content-type", NAR)
                .containsEntry("cache-control", IMMUTABLE)
                .doesNotContainKey("host");
        assertThat(put.expiresAt()).isBetween(Instant.now().plus(Duration.ofMinutes(14)), Instant.now().plus(Duration.ofMinutes(16)));

        assertThat(send(put, nar).statusCode()).isEqualTo(200);
        assertThat(read(key)).isEqualTo(nar);
        StoredObject head = store.head(key).orElseThrow();
        assertThat(head.size()).isEqualTo(1000);
        assertThat(head.contentType()).isEqualTo(NAR);
    }

    @Test
    void aPresignedRequestWithASessionTokenFitsTheThreeKilobytesAnUploadAnswerIsSizedFor() {
        // What the upload function signs with in AWS: temporary credentials, whose session token
        // goes into every URL (Lambda's are about a kilobyte; 1,500 characters here, base64 with
        // the '+' and '/' that URL encoding triples), virtual-hosted S3 names, the longest bucket,
        // cache name and S3-length upload ids.
        StringBuilder token = new StringBuilder("IQoJb3JpZ2luX2VjE");
        Random random = new Random(16);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        while (token.length() < 1500) {
            token.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        var credentials = StaticCredentialsProvider.create(AwsSessionCredentials.create("ASIAEXAMPLEEXAMPLE12",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", token.toString()));
        try (S3Presigner presigner = S3Presigner.builder().region(Region.AP_SOUTHEAST_2).credentialsProvider(credentials).build()) {
            S3ObjectStore signer = new S3ObjectStore(aws.clients().s3(), presigner, "b".repeat(63));
            Hash fileHash = Hash.sha256(bytes("file"));
            String cache = "c".repeat(63);
            String stagingKey = "_staging/" + cache + "/" + fileHash.toNix32() + ".nar.zst";
            PresignedRequest put = signer.presignPut(stagingKey, 64L << 20, fileHash, NAR, IMMUTABLE, Duration.ofMinutes(15));
            String uploadId = "u".repeat(160);
            PresignedRequest part = signer.presignUploadPart(stagingKey, uploadId, 10_000, 525L << 20, Duration.ofMinutes(15));

            int single = Json.writeBytes(new UploadTarget(fileHash.toString(), stagingKey, false,
                    new SignedRequest(put.method(), put.url().toString(), put.headers()), null)).length;
            int partUrl = Json.writeBytes(new PartUrl(10_000, part.url().toString(), part.headers())).length;

            assertThat(put.url().toString()).contains("X-Amz-Security-Token=").startsWith("https://" + "b".repeat(63) + ".s3.");
            assertThat(single).isBetween(1500, 3000);
            assertThat(partUrl).isBetween(1500, 3000);
        }
    }

    @Test
    void presignedPutRefusesOtherBytesOfTheSameLength() throws Exception {
        byte[] nar = randomBytes(1000, 2);
        Hash sha256 = Hash.sha256(nar);
        String key = "_staging/team/" + sha256.toNix32() + ".nar";
        PresignedRequest put = store.presignPut(key, nar.length, sha256, NAR, IMMUTABLE, Duration.ofMinutes(15));

        byte[] tampered = nar.clone();
        tampered[500] ^= 1;
        HttpResponse<String> response = send(put, tampered);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("BadDigest");
        assertThat(store.head(key)).isEmpty();
    }

    @Test
    void presignedPutRefusesAnotherLength() throws Exception {
        byte[] nar = randomBytes(1000, 3);
        Hash sha256 = Hash.sha256(nar);
        String key = "_staging/team/" + sha256.toNix32() + ".nar";
        PresignedRequest put = store.presignPut(key, nar.length, sha256, NAR, IMMUTABLE, Duration.ofMinutes(15));

        byte[] longer = new byte[1001];
        System.arraycopy(nar, 0, longer, 0, nar.length);
        assertThat(send(put, longer).statusCode()).isEqualTo(403);
        assertThat(send(put, Arrays.copyOf(nar, 999)).statusCode()).isEqualTo(403);
        assertThat(store.head(key)).isEmpty();
    }

    @Test
    void presignedPutRefusesAnotherContentType() throws Exception {
        byte[] nar = randomBytes(100, 4);
        Hash sha256 = Hash.sha256(nar);
        String key = "_staging/team/" + sha256.toNix32() + ".nar";
        PresignedRequest put = store.presignPut(key, nar.length, sha256, NAR, IMMUTABLE, Duration.ofMinutes(15));
        HttpRequest.Builder request = HttpRequest.newBuilder(put.url()).PUT(HttpRequest.BodyPublishers.ofByteArray(nar));
        put.headers().forEach((name, value) -> {
            if (!name.equals("content-length")) {
                request.header(name, name.equals("content-type") ? "text/html" : value);
            }
        });
        assertThat(send(request.build()).statusCode()).isEqualTo(403);
        assertThat(store.head(key)).isEmpty();
    }

    @Test
    void expiredPresignedPutIsRefused() throws Exception {
        byte[] nar = randomBytes(100, 5);
        Hash sha256 = Hash.sha256(nar);
        String key = "_staging/team/" + sha256.toNix32() + ".nar";
        PresignedRequest put = store.presignPut(key, nar.length, sha256, NAR, IMMUTABLE, Duration.ofSeconds(1));
        assertThat(put.expiresAt()).isBefore(Instant.now().plusSeconds(2));

        // Signatures carry whole seconds: wait (bounded) until the URL is certainly past its expiry.
        Instant pastExpiry = put.expiresAt().plusSeconds(1);
        Instant deadline = pastExpiry.plusSeconds(10);
        while (Instant.now().isBefore(pastExpiry)) {
            assertThat(Instant.now()).isBefore(deadline);
            Thread.sleep(50);
        }
        HttpResponse<String> response = send(put, nar);

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body()).containsIgnoringCase("expired");
        assertThat(store.head(key)).isEmpty();
    }

    @Test
    void multipartUploadThroughPresignedPartUrls() throws Exception {
        byte[] nar = randomBytes(5 * MIB + 1234, 6);
        Hash sha256 = Hash.sha256(nar);
        String key = "_staging/team/" + sha256.toNix32() + ".nar.zst";
        String uploadId = store.createMultipartUpload(key, NAR);
        assertThat(uploadId).isNotBlank();

        List<CompletedPart> parts = uploadParts(key, uploadId, nar, 5 * MIB);
        StoredObject completed = store.completeMultipartUpload(key, uploadId, parts.reversed());

        assertThat(completed.key()).isEqualTo(key);
        assertThat(completed.size()).isEqualTo(nar.length);
        assertThat(completed.etag()).isNotBlank();
        assertThat(completed.contentType()).isEqualTo(NAR);
        assertThat(Hash.sha256(read(key))).isEqualTo(sha256);
    }

    @Test
    void presignedPartRefusesAnotherLength() throws Exception {
        String key = "_staging/team/part-length.nar";
        String uploadId = store.createMultipartUpload(key, NAR);
        PresignedRequest part = store.presignUploadPart(key, uploadId, 1, 100, Duration.ofMinutes(15));
        assertThat(part.headers()).containsEntry("content-length", "100");

        assertThat(send(part, new byte[101]).statusCode()).isEqualTo(403);
        assertThat(send(part, new byte[100]).statusCode()).isEqualTo(200);
        store.abortMultipartUpload(key, uploadId);
    }

    @Test
    void completingWithAnUnknownUploadIdIsTheClientsFault() {
        String key = "_staging/team/unknown.nar";
        assertThatThrownBy(() -> store.completeMultipartUpload(key, "no-such-upload", List.of(new CompletedPart(1, "\"etag\""))))
                .isInstanceOf(UploadRejectedException.class);
    }

    @Test
    void abortRemovesTheUploadAndIsIdempotent() throws Exception {
        String key = "_staging/team/abort.nar";
        String uploadId = store.createMultipartUpload(key, NAR);
        List<CompletedPart> parts = uploadParts(key, uploadId, randomBytes(1000, 7), MIB);

        store.abortMultipartUpload(key, uploadId);
        store.abortMultipartUpload(key, uploadId);

        assertThatThrownBy(() -> store.completeMultipartUpload(key, uploadId, parts)).isInstanceOf(UploadRejectedException.class);
        assertThat(store.head(key)).isEmpty();
    }

    @Test
    void aGetPinnedToAnEtagReadsThatVersionOnly() throws Exception {
        String key = "_staging/team/pinned.nar";
        byte[] first = randomBytes(3000, 12);
        store.put(key, first, NAR, "no-store");
        String etag = store.head(key).orElseThrow().etag();
        try (InputStream in = store.get(key, etag)) {
            assertThat(in.readAllBytes()).isEqualTo(first);
        }

        // Replaced after the HEAD: s3proxy, like S3, answers 412 to If-Match and sends nothing.
        byte[] second = randomBytes(3000, 13);
        store.put(key, second, NAR, "no-store");
        assertThatThrownBy(() -> store.get(key, etag)).isInstanceOf(ObjectChangedException.class)
                .hasMessageContaining(key);
        String now = store.head(key).orElseThrow().etag();
        try (InputStream in = store.get(key, now)) {
            assertThat(in.readAllBytes()).isEqualTo(second);
        }
        assertThatThrownBy(() -> store.get("_staging/team/absent.nar", etag)).isInstanceOf(NoSuchObjectException.class);
    }

    @Test
    void aMultipartEtagNamesTheContentSoOnlyAPinnedReadTiesTheCheckToTheCopy() throws Exception {
        // The race the pinned read closes: complete garbage X (a HEAD sees its ETag), replace it
        // with good bytes B, then complete X again. X's ETag comes back, so a copy pinned to it
        // succeeds; only the read, pinned to the same ETag, refuses to hand out B for X.
        String key = "_staging/team/swap.nar";
        byte[] garbage = randomBytes(5 * MIB + 10, 14);
        byte[] good = randomBytes(5 * MIB + 10, 15);
        String first = store.createMultipartUpload(key, NAR);
        String garbageEtag = store.completeMultipartUpload(key, first, uploadParts(key, first, garbage, 5 * MIB)).etag();
        String second = store.createMultipartUpload(key, NAR);
        store.completeMultipartUpload(key, second, uploadParts(key, second, good, 5 * MIB));

        assertThatThrownBy(() -> store.get(key, garbageEtag)).isInstanceOf(ObjectChangedException.class);

        String third = store.createMultipartUpload(key, NAR);
        assertThat(store.completeMultipartUpload(key, third, uploadParts(key, third, garbage, 5 * MIB)).etag())
                .isEqualTo(garbageEtag);
        try (InputStream in = store.get(key, garbageEtag)) {
            assertThat(Hash.sha256(in.readAllBytes())).isEqualTo(Hash.sha256(garbage));
        }
    }

    @Test
    void deletePrefixRemovesEveryObjectAndOpenUploadUnderItOnly() throws Exception {
        // Pages of 10 keys stand in for S3's 1000, so a few dozen objects cross several pages.
        S3ObjectStore own = new S3ObjectStore(aws.clients().s3(), aws.clients().s3Presigner(), aws.newBucket(),
                S3Copy.MAX_SINGLE_COPY, S3Copy.COPY_PART_SIZE, 10);
        IntStream.range(0, 35).forEach(i -> own.put("gone/nar/" + i + ".nar", bytes("x" + i), NAR, IMMUTABLE));
        own.put("gone/nix-cache-info", bytes("StoreDir: /nix/store\n"), "text/x-nix-cache-info", "no-cache");
        own.put("_staging/gone/done.nar", bytes("completed, never published"), NAR, "no-store");
        own.put("gone-not/nix-cache-info", bytes("kept"), "text/x-nix-cache-info", "no-cache");
        own.put("_staging/gone-not/z.nar", bytes("kept"), NAR, "no-store");
        own.put("kept/nix-cache-info", bytes("kept"), "text/x-nix-cache-info", "no-cache");
        List<String> uploadIds = IntStream.range(0, 12)
                .mapToObj(i -> own.createMultipartUpload("_staging/gone/x" + i + ".nar", NAR)).toList();
        String keptUpload = own.createMultipartUpload("_staging/kept/y.nar", NAR);

        // As a cache delete does: its own prefix, then its staging area.
        own.deletePrefix("gone/");
        own.deletePrefix("_staging/gone/");

        var remaining = aws.clients().s3().listObjectsV2Paginator(b -> b.bucket(own.bucket())).contents().stream()
                .map(o -> o.key()).toList();
        assertThat(remaining).containsExactlyInAnyOrder("gone-not/nix-cache-info", "_staging/gone-not/z.nar",
                "kept/nix-cache-info");
        var uploads = aws.clients().s3().listMultipartUploads(b -> b.bucket(own.bucket())).uploads().stream()
                .map(u -> u.uploadId()).toList();
        assertThat(uploads).doesNotContainAnyElementsOf(uploadIds).contains(keptUpload);
        assertThatThrownBy(() -> own.deletePrefix("")).isInstanceOf(IllegalArgumentException.class);
    }

    private List<CompletedPart> uploadParts(String key, String uploadId, byte[] data, int partSize) throws Exception {
        List<CompletedPart> parts = new ArrayList<>();
        int partNumber = 1;
        for (int offset = 0; offset < data.length; offset += partSize, partNumber++) {
            byte[] part = Arrays.copyOfRange(data, offset, Math.min(data.length, offset + partSize));
            PresignedRequest request = store.presignUploadPart(key, uploadId, partNumber, part.length, Duration.ofMinutes(15));
            assertThat(request.method()).isEqualTo("PUT");
            HttpResponse<String> response = send(request, part);
            assertThat(response.statusCode()).isEqualTo(200);
            parts.add(new CompletedPart(partNumber, response.headers().firstValue("etag").orElseThrow()));
        }
        return parts;
    }

    /**
     * Sends what a client sends: the presigned URL with every listed header, except Content-Length,
     * which java.net.http derives from the body (and does not let callers set).
     */
    private HttpResponse<String> send(PresignedRequest presigned, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(presigned.url())
                .method(presigned.method(), HttpRequest.BodyPublishers.ofByteArray(body));
        presigned.headers().forEach((name, value) -> {
            if (!name.equals("content-length")) {
                request.header(name, value);
            }
        });
        return send(request.build());
    }

    /**
     * One connection per request: s3proxy may answer a refused upload before reading its body and
     * then close the connection, and a shared client would send the next request down that closed
     * connection ("header parser received no bytes").
     */
    private static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    private byte[] read(String key) throws IOException {
        try (InputStream in = store.get(key)) {
            return in.readAllBytes();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
