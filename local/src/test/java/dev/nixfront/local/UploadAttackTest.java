package dev.nixfront.local;

import static dev.nixfront.local.PresignedHttp.get;
import static dev.nixfront.local.PresignedHttp.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nixfront.api.CompleteUploadRequest;
import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.PartUrl;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResult;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.api.UploadedPart;
import dev.nixfront.cache.Layout;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.client.NixfrontClient;
import dev.nixfront.nix.Hash;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * What a write token can do with upload URLs, against the real stack: nothing it uploads is
 * readable from the cache URL before publish has verified it, nothing it adds to an upload
 * request (headers SigV4 does not sign) is stored or served with a published NAR, and no URL
 * replayed after publish changes the bytes or the stored headers of what is served. The judge of
 * what is served is the read server, which relays stored headers as CloudFront does, and the real
 * Nix.
 */
@ExtendWith(LocalStackExtension.class)
class UploadAttackTest {
    /**
     * Headers a client can add to a presigned request without breaking its signature, stored with
     * the object: the standard ones by S3 and s3proxy alike, {@code x-amz-meta-*} by s3proxy only
     * (S3 refuses unsigned {@code x-amz-*} headers).
     */
    private static final Map<String, String> SMUGGLED = Map.of(
            "Content-Encoding", "gzip",
            "Content-Disposition", "attachment; filename=\"evil.html\"",
            "x-amz-meta-evil", "1");

    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    /** What S3 keeps with an object: the bytes' identity and every header it would hand to CloudFront. */
    private record Stored(long size, String etag, Instant lastModified, String contentType, String cacheControl,
                          String contentEncoding, String contentDisposition, Map<String, String> metadata) {
        static Stored of(HeadObjectResponse head) {
            return new Stored(head.contentLength(), head.eTag(), head.lastModified(), head.contentType(), head.cacheControl(),
                    head.contentEncoding(), head.contentDisposition(), head.metadata());
        }
    }

    /** What the read server answered: status, the headers that matter to Nix and browsers, the body's hash. */
    private record Served(int status, Optional<String> contentType, Optional<String> cacheControl,
                          Optional<String> contentEncoding, Optional<String> contentDisposition, Optional<String> evil,
                          Hash body) {
        static Served of(HttpResponse<byte[]> response) {
            HttpHeaders h = response.headers();
            return new Served(response.statusCode(), h.firstValue("content-type"), h.firstValue("cache-control"),
                    h.firstValue("content-encoding"), h.firstValue("content-disposition"), h.firstValue("x-amz-meta-evil"),
                    Hash.sha256(response.body()));
        }
    }

    @Test
    void anUploadIsUnreadableFromTheCacheUrlUntilItIsPublished(LocalStack stack, @TempDir Path work) throws Exception {
        NixfrontClient admin = StackClients.client(stack, stack.adminToken());
        String cache = StackClients.newCache(admin, "unread");
        NixTool nix = new NixTool(work);
        TestNar small = StackClients.leaf(nix, "attack", 0);
        TestNar big = StackClients.leaf(nix, "attack", 6L << 20);
        UploadTarget single = StackClients.target(admin, cache, small);
        UploadTarget multi = StackClients.target(admin, cache, big);

        // No presigned URL names a key the read path serves: every upload goes to staging.
        assertThat(single.put()).as("a single PUT for a small NAR").isNotNull();
        assertThat(multi.multipart()).as("a multipart upload above the threshold").isNotNull();
        for (UploadTarget t : List.of(single, multi)) {
            assertThat(t.key()).startsWith(Layout.STAGING_ROOT + cache + "/");
        }
        List<String> urls = new ArrayList<>(List.of(single.put().url()));
        multi.multipart().parts().forEach(p -> urls.add(p.url()));
        assertThat(urls).allSatisfy(url -> assertThat(URI.create(url).getPath())
                .startsWith("/" + LocalStack.BUCKET + "/" + Layout.STAGING_ROOT + cache + "/"));

        assertThat(put(single.put().url(), single.put().headers(), Map.of(), small.file()).statusCode()).isEqualTo(200);
        complete(admin, cache, big, multi, PresignedHttp.uploadParts(multi.multipart(), big.file(), Map.of()));

        for (TestNar nar : List.of(small, big)) {
            assertThat(get(narUrl(stack, cache, nar)).statusCode()).as("an unpublished upload from the cache URL").isEqualTo(404);
            assertThat(head(stack, narKey(cache, nar))).as("nothing is under nar/ before publish").isEmpty();
        }
        for (UploadTarget t : List.of(single, multi)) {
            assertThat(get(stack.cacheUrl() + "/" + t.key()).statusCode()).as("staging is never served").isEqualTo(404);
        }
        assertThat(keysOf(stack, cache)).containsExactly(cache + "/nix-cache-info");

        assertThat(admin.publish(cache, new PublishRequest(List.of(small.info(), big.info()))).results())
                .extracting(PublishResult::state).containsExactly("published", "published");
        for (TestNar nar : List.of(small, big)) {
            HttpResponse<byte[]> served = get(narUrl(stack, cache, nar));
            assertThat(served.statusCode()).isEqualTo(200);
            assertThat(Hash.sha256(served.body())).isEqualTo(nar.fileHash());
        }
        // The server moved what it verified and deleted the staging objects behind it.
        assertThat(head(stack, single.key())).isEmpty();
        assertThat(head(stack, multi.key())).isEmpty();
    }

    @Test
    void aNarUploadedWithExtraHeadersIsStoredAndServedWithoutThem(LocalStack stack, @TempDir Path work) throws Exception {
        NixfrontClient admin = StackClients.client(stack, stack.adminToken());
        String cache = StackClients.newCache(admin, "headers");
        NixTool nix = new NixTool(work);
        TestNar small = StackClients.leaf(nix, "attack", 0);
        TestNar big = StackClients.leaf(nix, "attack", 6L << 20);
        UploadTarget single = StackClients.target(admin, cache, small);
        UploadTarget multi = StackClients.target(admin, cache, big);

        assertThat(put(single.put().url(), single.put().headers(), SMUGGLED, small.file()).statusCode()).isEqualTo(200);
        complete(admin, cache, big, multi, PresignedHttp.uploadParts(multi.multipart(), big.file(), SMUGGLED));
        // The attack is real: S3 (s3proxy here) keeps what the PUT carried, unsigned or not.
        Stored staged = head(stack, single.key()).orElseThrow();
        assertThat(staged.contentEncoding()).isEqualTo("gzip");
        assertThat(staged.metadata()).containsEntry("evil", "1");

        assertThat(admin.publish(cache, new PublishRequest(List.of(small.info(), big.info()))).results())
                .extracting(PublishResult::state).containsExactly("published", "published");

        for (TestNar nar : List.of(small, big)) {
            Stored stored = head(stack, narKey(cache, nar)).orElseThrow();
            assertThat(stored.contentType()).isEqualTo(Layout.NAR_CONTENT_TYPE);
            assertThat(stored.cacheControl()).isEqualTo(Layout.NAR_CACHE_CONTROL);
            assertThat(stored.contentEncoding()).as("stored Content-Encoding").isNullOrEmpty();
            assertThat(stored.contentDisposition()).as("stored Content-Disposition").isNullOrEmpty();
            assertThat(stored.metadata()).as("stored user metadata").isEmpty();

            Served served = Served.of(get(narUrl(stack, cache, nar)));
            assertThat(served).isEqualTo(new Served(200, Optional.of(Layout.NAR_CONTENT_TYPE), Optional.of(Layout.NAR_CACHE_CONTROL),
                    Optional.empty(), Optional.empty(), Optional.empty(), nar.fileHash()));
        }
        nix.copyFrom(stack.cacheUrl() + "/" + cache, admin.cacheInfo(cache).publicKey(), work.resolve("store"),
                List.of(small.storePath(), big.storePath())).ok("nix copy of NARs uploaded with extra headers");
    }

    @Test
    void replayingEveryUploadUrlAfterPublishChangesNothingThatIsServed(LocalStack stack, @TempDir Path work) throws Exception {
        NixfrontClient admin = StackClients.client(stack, stack.adminToken());
        String cache = StackClients.newCache(admin, "replay");
        NixfrontClient attacker = StackClients.client(stack, admin.createToken(new CreateTokenRequest("attacker", List.of(cache),
                List.of("write"), null)).token());
        NixTool nix = new NixTool(work);
        TestNar small = StackClients.leaf(nix, "attack", 0);
        TestNar big = StackClients.leaf(nix, "attack", 6L << 20);
        UploadTarget single = StackClients.target(admin, cache, small);
        UploadTarget multi = StackClients.target(admin, cache, big);
        assertThat(put(single.put().url(), single.put().headers(), Map.of(), small.file()).statusCode()).isEqualTo(200);
        complete(admin, cache, big, multi, PresignedHttp.uploadParts(multi.multipart(), big.file(), Map.of()));
        admin.publish(cache, new PublishRequest(List.of(small.info(), big.info())));
        Map<TestNar, Stored> storedBefore = Map.of(small, head(stack, narKey(cache, small)).orElseThrow(),
                big, head(stack, narKey(cache, big)).orElseThrow());
        Map<TestNar, Served> servedBefore = Map.of(small, Served.of(get(narUrl(stack, cache, small))),
                big, Served.of(get(narUrl(stack, cache, big))));
        List<String> keysBefore = keysOf(stack, cache);

        // The single PUT, within its 15 minutes: the same bytes with other headers are taken (they
        // land in staging), other bytes are refused by the signed checksum.
        assertThat(put(single.put().url(), single.put().headers(), SMUGGLED, small.file()).statusCode()).isEqualTo(200);
        assertThat(put(single.put().url(), single.put().headers(), SMUGGLED, tampered(small.file())).statusCode()).isEqualTo(400);
        // The part URLs and the completion of an upload that is already complete. S3 answers the
        // parts with 404 NoSuchUpload; s3proxy takes them, into an upload nothing can complete.
        List<UploadedPart> replayed = new ArrayList<>();
        for (PartUrl part : multi.multipart().parts()) {
            HttpResponse<String> response = put(part.url(), part.headers(), SMUGGLED,
                    tampered(PresignedHttp.slice(multi.multipart(), part, big.file())));
            replayed.add(new UploadedPart(part.partNumber(), response.headers().firstValue("etag").orElse("\"none\"")));
        }
        ApiException refused = catchThrowableOfType(ApiException.class, () -> complete(attacker, cache, big, multi, replayed));
        assertThat(refused).as("completing a finished upload again").isNotNull();
        assertThat(refused.status()).isBetween(400, 499);
        // Publishing again is a no-op, and the server hands out no new URL for a file it has.
        assertThat(attacker.publish(cache, new PublishRequest(List.of(small.info(), big.info()))).results())
                .extracting(PublishResult::state).containsExactly("published", "published");
        assertThat(StackClients.target(attacker, cache, small).present()).isTrue();
        assertThat(StackClients.target(attacker, cache, big).present()).isTrue();

        for (TestNar nar : List.of(small, big)) {
            assertThat(head(stack, narKey(cache, nar))).as("stored under nar/").contains(storedBefore.get(nar));
            assertThat(Served.of(get(narUrl(stack, cache, nar)))).as("served").isEqualTo(servedBefore.get(nar));
            assertThat(get(stack.cacheUrl() + "/" + Layout.staging(CacheName.of(cache), nar.fileHash(), nar.compression())).statusCode())
                    .isEqualTo(404);
        }
        assertThat(keysOf(stack, cache)).as("nothing new became readable").isEqualTo(keysBefore);
        nix.copyFrom(stack.cacheUrl() + "/" + cache, admin.cacheInfo(cache).publicKey(), work.resolve("store"),
                List.of(small.storePath(), big.storePath())).ok("nix copy after every replay");
    }

    private static void complete(NixfrontClient client, String cache, TestNar nar, UploadTarget target, List<UploadedPart> parts)
            throws Exception {
        client.complete(cache, new CompleteUploadRequest(nar.fileHash().toString(), nar.fileSize(), nar.compression().narInfoName(),
                target.multipart().uploadId(), parts));
    }

    private static String narKey(String cache, TestNar nar) {
        return Layout.nar(CacheName.of(cache), nar.fileHash(), nar.compression());
    }

    private static String narUrl(LocalStack stack, String cache, TestNar nar) {
        return stack.cacheUrl() + "/" + narKey(cache, nar);
    }

    private static Optional<Stored> head(LocalStack stack, String key) {
        try {
            return Optional.of(Stored.of(stack.s3().headObject(b -> b.bucket(LocalStack.BUCKET).key(key))));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Every key under the cache's own prefix: what the read path could ever serve for it. */
    private static List<String> keysOf(LocalStack stack, String cache) {
        return stack.s3().listObjectsV2Paginator(b -> b.bucket(LocalStack.BUCKET).prefix(cache + "/")).contents().stream()
                .map(o -> o.key()).sorted().toList();
    }

    private static byte[] tampered(byte[] original) {
        byte[] copy = Arrays.copyOf(original, original.length);
        copy[copy.length / 2] ^= 0x5a;
        return copy;
    }
}
