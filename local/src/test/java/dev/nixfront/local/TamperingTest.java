package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nixfront.api.CompleteUploadRequest;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.SignedRequest;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.client.NixfrontClient;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks on the write path, each through the real API, s3proxy and read server: nothing a
 * client lies about or tampers with may become readable, and nothing published may change.
 */
@ExtendWith(LocalStackExtension.class)
class TamperingTest {

    @BeforeAll
    static void nix() {
        NixTool.require();
    }

    private static int put(String url, Map<String, String> headers, byte[] body) throws Exception {
        return PresignedHttp.put(url, headers, Map.of(), body).statusCode();
    }

    private static HttpResponse<byte[]> get(String url) throws Exception {
        return PresignedHttp.get(url);
    }

    private static String narinfoUrl(LocalStack stack, String cache, TestNar nar) {
        return stack.cacheUrl() + "/" + cache + "/" + nar.hashPart() + ".narinfo";
    }

    private static byte[] tampered(byte[] original) {
        byte[] copy = Arrays.copyOf(original, original.length);
        copy[copy.length / 2] ^= 0x5a;
        return copy;
    }

    private static void upload(TestNar nar, UploadTarget target) throws Exception {
        assertThat(target.put()).as("a single PUT for a small NAR").isNotNull();
        assertThat(put(target.put().url(), target.put().headers(), nar.file())).isEqualTo(200);
    }

    @Test
    void aPutOfOtherBytesIsRefusedByStorageAndNothingBecomesReadable(LocalStack stack, @TempDir Path work) throws Exception {
        NixfrontClient admin = StackClients.client(stack, stack.adminToken());
        String cache = StackClients.newCache(admin, "put");
        TestNar nar = StackClients.leaf(new NixTool(work), "leaf", 0);
        SignedRequest put = StackClients.target(admin, cache, nar).put();

        assertThat(put(put.url(), put.headers(), tampered(nar.file()))).as("same length, other bytes").isEqualTo(400);
        assertThat(put(put.url(), put.headers(), Arrays.copyOf(nar.file(), nar.file().length + 1))).as("one byte more").isBetween(400, 499);
        ApiException refused = catchThrowableOfType(ApiException.class,
                () -> admin.publish(cache, new PublishRequest(List.of(nar.info()))));
        assertThat(refused.status()).isEqualTo(422);
        assertThat(get(narinfoUrl(stack, cache, nar)).statusCode()).isEqualTo(404);
        assertThat(admin.pathStatus(cache, nar.hashPart()).state()).isNotEqualTo("published");
    }

    @Test
    void aPublishThatLiesAboutTheNarIsRefusedAndNothingBecomesReadable(LocalStack stack, @TempDir Path work) throws Exception {
        NixfrontClient admin = StackClients.client(stack, stack.adminToken());
        String cache = StackClients.newCache(admin, "lies");
        TestNar nar = StackClients.leaf(new NixTool(work), "leaf", 0);
        upload(nar, StackClients.target(admin, cache, nar));
        String otherHash = Hash.sha256(new byte[] {1, 2, 3}).toString();
        List<PathInfo> lies = List.of(
                nar.info(nar.narHash().toString(), nar.narSize(), otherHash, nar.fileSize()),
                nar.info(nar.narHash().toString(), nar.narSize(), nar.fileHash().toString(), nar.fileSize() + 1),
                nar.info(otherHash, nar.narSize(), nar.fileHash().toString(), nar.fileSize()),
                nar.info(nar.narHash().toString(), nar.narSize() + 8, nar.fileHash().toString(), nar.fileSize()));
        for (PathInfo lie : lies) {
            ApiException refused = catchThrowableOfType(ApiException.class, () -> admin.publish(cache, new PublishRequest(List.of(lie))));
            assertThat(refused).as("publish of %s", lie).isNotNull();
            assertThat(refused.status()).as(refused.getMessage()).isBetween(400, 499);
            assertThat(get(narinfoUrl(stack, cache, nar)).statusCode()).isEqualTo(404);
            assertThat(admin.pathStatus(cache, nar.hashPart()).state()).isNotEqualTo("published");
        }
        // The truth still goes through afterwards: a refused lie blocks nobody.
        assertThat(admin.publish(cache, new PublishRequest(List.of(nar.info()))).results().getFirst().state()).isEqualTo("published");
        assertThat(get(narinfoUrl(stack, cache, nar)).statusCode()).isEqualTo(200);
    }

    @Test
    void aPublishWithAnUnpublishedReferenceIsAConflictNamingIt(LocalStack stack, @TempDir Path work) throws Exception {
        NixfrontClient admin = StackClients.client(stack, stack.adminToken());
        String cache = StackClients.newCache(admin, "refs");
        NixTool nix = new NixTool(work);
        String top = nix.build(Closures.chain(Closures.seed(), 100)).getFirst();
        String middle = nix.closure(top).stream().filter(p -> p.contains("-middle-")).findFirst().orElseThrow();
        String base = nix.closure(top).stream().filter(p -> p.contains("-base-")).findFirst().orElseThrow();
        String baseName = Path.of(base).getFileName().toString();
        TestNar nar = TestNar.pack(middle, Compression.ZSTD, List.of(baseName));
        upload(nar, StackClients.target(admin, cache, nar));

        ApiException conflict = catchThrowableOfType(ApiException.class, () -> admin.publish(cache, new PublishRequest(List.of(nar.info()))));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.missing()).containsExactly(baseName);
        assertThat(get(narinfoUrl(stack, cache, nar)).statusCode()).isEqualTo(404);
    }

    @Test
    void anExpiredUploadUrlIsRefused(@TempDir Path work) throws Exception {
        Path directory = work.resolve("stack");
        try (LocalStack shortLived = LocalStack.start(new LocalStack.Options(directory, 0, 0, s -> new dev.nixfront.cache.CacheSettings(
                s.cacheBaseUrl(), s.storeDir(), s.inlineVerifyMaxBytes(), s.inlineBatchBudgetBytes(), s.inlineTimeBudget(),
                s.multipartThreshold(), java.time.Duration.ofSeconds(1), s.partsPage(), s.tokenLookupTtl())))) {
            NixfrontClient admin = StackClients.client(shortLived, shortLived.adminToken());
            String cache = StackClients.newCache(admin, "expiry");
            TestNar nar = StackClients.leaf(new NixTool(work), "leaf", 0);
            var response = admin.uploads(cache, new UploadRequest(List.of(new NarUpload(nar.fileHash().toString(), nar.fileSize(), "zstd"))));
            SignedRequest put = response.uploads().getFirst().put();
            // Waiting out the URL's lifetime is the behaviour under test, not a readiness guess.
            Thread.sleep(Math.max(0, response.expiresAt().toEpochMilli() - System.currentTimeMillis()) + 1500);
            assertThat(put(put.url(), put.headers(), nar.file())).isEqualTo(403);
            assertThat(StackClients.target(admin, cache, nar).present()).isFalse();
        } finally {
            LocalStackExtension.deleteTree(directory);
        }
    }

    @Test
    void aTokenForAnotherCacheOrAWeakerPermissionIsForbidden(LocalStack stack, @TempDir Path work) throws Exception {
        NixfrontClient admin = StackClients.client(stack, stack.adminToken());
        String mine = StackClients.newCache(admin, "mine");
        String theirs = StackClients.newCache(admin, "theirs");
        NixfrontClient writer = StackClients.client(stack, admin.createToken(new CreateTokenRequest("test", List.of(mine), List.of("write"), null)).token());
        NixfrontClient reader = StackClients.client(stack, admin.createToken(new CreateTokenRequest("test", List.of(mine), List.of("read"), null)).token());
        TestNar nar = StackClients.leaf(new NixTool(work), "leaf", 0);

        assertThat(writer.missing(mine, new MissingRequest(List.of(nar.hashPart()))).missing()).containsExactly(nar.hashPart());
        for (var call : List.<ThrowingCall>of(
                () -> writer.missing(theirs, new MissingRequest(List.of(nar.hashPart()))),
                () -> StackClients.target(writer, theirs, nar),
                () -> writer.publish(theirs, new PublishRequest(List.of(nar.info()))),
                () -> StackClients.target(reader, mine, nar),
                () -> reader.publish(mine, new PublishRequest(List.of(nar.info()))),
                () -> writer.createCache(new CreateCacheRequest("nope-" + Closures.seed().substring(0, 6), null, null, null)),
                () -> writer.listTokens())) {
            ApiException forbidden = catchThrowableOfType(ApiException.class, call::run);
            assertThat(forbidden).isNotNull();
            assertThat(forbidden.status()).as(forbidden.getMessage()).isEqualTo(403);
            assertThat(forbidden.error().reason()).isNotBlank();
        }
        assertThatThrownBy(() -> StackClients.client(stack, "nf_not-a-real-token").listCaches())
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401));
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    void noUploadChangesThePublishedBytesNeitherBySinglePutNorByMultipart(LocalStack stack, @TempDir Path work) throws Exception {
        NixfrontClient admin = StackClients.client(stack, stack.adminToken());
        NixfrontClient attacker = StackClients.client(stack, admin.createToken(new CreateTokenRequest("attacker", List.of("*"), List.of("write"), null)).token());
        String cache = StackClients.newCache(admin, "overwrite");
        NixTool nix = new NixTool(work);

        // Single PUT: keep the URL, publish, then send other bytes to it.
        TestNar small = StackClients.leaf(nix, "leaf", 0);
        SignedRequest put = StackClients.target(admin, cache, small).put();
        assertThat(put(put.url(), put.headers(), small.file())).isEqualTo(200);
        admin.publish(cache, new PublishRequest(List.of(small.info())));
        byte[] narinfo = get(narinfoUrl(stack, cache, small)).body();
        assertThat(put(put.url(), put.headers(), tampered(small.file()))).isEqualTo(400);
        assertThat(StackClients.target(attacker, cache, small).present()).isTrue();
        assertServed(stack, cache, small, narinfo);

        // Multipart: S3 checks parts, not the whole, so a second upload of the same NAR fills its
        // own staging object with other bytes; it must never replace what was verified.
        TestNar big = StackClients.leaf(nix, "leaf", 6L << 20);
        UploadTarget honest = StackClients.target(admin, cache, big);
        UploadTarget evil = StackClients.target(attacker, cache, big);
        assertThat(honest.multipart()).as("a NAR above the multipart threshold").isNotNull();
        assertThat(evil.multipart()).isNotNull();
        assertThat(evil.multipart().uploadId()).isNotEqualTo(honest.multipart().uploadId());
        completeMultipart(admin, cache, big, honest, big.file());
        assertThat(honest.key()).startsWith("_staging/" + cache + "/");
        assertThat(get(stack.cacheUrl() + "/" + honest.key()).statusCode())
                .as("a completed upload is not served before publish verifies it").isEqualTo(404);
        admin.publish(cache, new PublishRequest(List.of(big.info())));
        byte[] bigNarinfo = get(narinfoUrl(stack, cache, big)).body();
        assertServed(stack, cache, big, bigNarinfo);

        try {
            completeMultipart(attacker, cache, big, evil, tampered(big.file()));
        } catch (ApiException refusedAtCompletion) {
            assertThat(refusedAtCompletion.status()).isBetween(400, 499);
        }
        try {
            attacker.publish(cache, new PublishRequest(List.of(big.info())));
        } catch (ApiException refusedAtPublish) {
            assertThat(refusedAtPublish.status()).isBetween(400, 499);
        }
        assertServed(stack, cache, big, bigNarinfo);
        assertThat(get(stack.cacheUrl() + "/" + honest.key()).statusCode()).as("staging is never served").isEqualTo(404);
        assertThat(get(stack.cacheUrl() + "/" + evil.key()).statusCode()).as("staging is never served").isEqualTo(404);
        assertThat(nix.copyFrom(stack.cacheUrl() + "/" + cache, admin.cacheInfo(cache).publicKey(),
                work.resolve("store"), List.of(small.storePath(), big.storePath())).exit()).isZero();
    }

    private static void completeMultipart(NixfrontClient client, String cache, TestNar nar, UploadTarget target, byte[] bytes) throws Exception {
        client.complete(cache, new CompleteUploadRequest(nar.fileHash().toString(), nar.fileSize(), nar.compression().narInfoName(),
                target.multipart().uploadId(), PresignedHttp.uploadParts(target.multipart(), bytes, Map.of())));
    }

    /** The narinfo is unchanged and the NAR it points to still hashes to its FileHash. */
    private static void assertServed(LocalStack stack, String cache, TestNar nar, byte[] narinfo) throws Exception {
        HttpResponse<byte[]> info = get(narinfoUrl(stack, cache, nar));
        assertThat(info.statusCode()).isEqualTo(200);
        assertThat(info.body()).isEqualTo(narinfo);
        String url = new String(info.body(), java.nio.charset.StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("URL: ")).findFirst().orElseThrow().substring(5);
        HttpResponse<byte[]> served = get(stack.cacheUrl() + "/" + cache + "/" + url);
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.headers().firstValue("content-encoding")).isEmpty();
        assertThat(Hash.sha256(served.body())).isEqualTo(nar.fileHash());
    }
}
