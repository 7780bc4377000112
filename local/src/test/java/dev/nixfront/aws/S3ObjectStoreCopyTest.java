package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.cache.port.CopyOutcome;
import dev.nixfront.cache.port.PresignedRequest;
import dev.nixfront.nix.Hash;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;

/**
 * {@link S3ObjectStore#copyIfMatch}, the only way bytes get under {@code nar/}, over the wire
 * against s3proxy: what it copies, the headers it keeps (only its own), and that it never replaces
 * a target, the conditions on the writes themselves tested by changing the bucket between the
 * adapter's look and its write. s3proxy 4.1.0 checks {@code If-None-Match} on PutObject and
 * CompleteMultipartUpload but not on CopyObject, where only AWS does; the last test pins that down,
 * so the docs stay true.
 */
@ExtendWith(LocalAws.Extension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3ObjectStoreCopyTest {
    private static final String NAR = "application/x-nix-nar";
    private static final String IMMUTABLE = "public, max-age=31536000, immutable";
    private static final int MIB = 1024 * 1024;

    private LocalAws aws;
    private S3ObjectStore store;
    /** Copies above 1 MiB go part by part, in 5 MiB parts (S3's minimum): the 5 GB path, scaled down. */
    private S3ObjectStore partwise;

    @BeforeAll
    void setUp(LocalAws aws) {
        this.aws = aws;
        this.store = S3ObjectStore.create(aws.clients(), aws.newBucket());
        this.partwise = new S3ObjectStore(aws.clients().s3(), aws.clients().s3Presigner(), store.bucket(), MIB, 5L * MIB, 1000);
    }

    /** What a client can store with its upload: signed bytes, unsigned headers of its choosing. */
    private String stage(String key, byte[] body) {
        aws.clients().s3().putObject(b -> b.bucket(store.bucket()).key(key).contentType("text/html").cacheControl("no-store")
                .contentEncoding("gzip").contentDisposition("attachment; filename=\"evil.html\"")
                .metadata(Map.of("evil", "1")), RequestBody.fromBytes(body));
        return store.head(key).orElseThrow().etag();
    }

    /** The object's identity and every header S3 keeps with it. */
    private record Stored(String etag, Instant lastModified, long size, String contentType, String cacheControl,
                          String contentEncoding, String contentDisposition, Map<String, String> metadata) {
        static Stored of(HeadObjectResponse head) {
            return new Stored(head.eTag(), head.lastModified(), head.contentLength(), head.contentType(), head.cacheControl(),
                    head.contentEncoding(), head.contentDisposition(), head.metadata());
        }
    }

    private HeadObjectResponse head(String key) {
        return aws.clients().s3().headObject(b -> b.bucket(store.bucket()).key(key));
    }

    private void assertOnlyOwnHeaders(String key) {
        HeadObjectResponse target = head(key);
        assertThat(target.contentType()).isEqualTo(NAR);
        assertThat(target.cacheControl()).isEqualTo(IMMUTABLE);
        assertThat(target.contentEncoding()).isNullOrEmpty();
        assertThat(target.contentDisposition()).isNullOrEmpty();
        assertThat(target.metadata()).isEmpty();
    }

    @Test
    void aPresignedPutStoresHeadersItDoesNotSignSoItMayOnlyEverNameAStagingKey() throws Exception {
        byte[] nar = randomBytes(1000, 20);
        Hash sha256 = Hash.sha256(nar);
        String key = "_staging/team/" + sha256.toNix32() + ".nar";
        PresignedRequest put = store.presignPut(key, nar.length, sha256, NAR, IMMUTABLE, Duration.ofMinutes(15));
        HttpRequest.Builder request = HttpRequest.newBuilder(put.url()).PUT(HttpRequest.BodyPublishers.ofByteArray(nar));
        put.headers().forEach((name, value) -> {
            if (!name.equals("content-length")) {
                request.header(name, value);
            }
        });
        // S3 would refuse the unsigned x-amz-meta-* (not the Content-Encoding); s3proxy takes both.
        request.header("Content-Encoding", "gzip").header("x-amz-meta-evil", "1");
        try (HttpClient http = HttpClient.newHttpClient()) {
            assertThat(http.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }

        assertThat(head(key).contentEncoding()).isEqualTo("gzip");
        assertThat(head(key).metadata()).containsEntry("evil", "1");
    }

    @Test
    void aBuildLogIsCopiedWithTheEncodingTheServerChoosesAndNothingTheUploadCarried() throws Exception {
        byte[] log = randomBytes(3000, 11);
        String etag = stage("_staging/team/log/copy.zst", log);

        assertThat(store.copyIfMatch("_staging/team/log/copy.zst", etag, "team/log/copy.drv", "text/plain; charset=utf-8", "zstd",
                "public, max-age=86400")).isEqualTo(CopyOutcome.COPIED);

        HeadObjectResponse target = head("team/log/copy.drv");
        // s3proxy stores the media type without the space before its parameter; S3 keeps it as sent.
        assertThat(target.contentType().replace(" ", "")).isEqualTo("text/plain;charset=utf-8");
        assertThat(target.contentEncoding()).as("not the upload's gzip").isEqualTo("zstd");
        assertThat(target.cacheControl()).isEqualTo("public, max-age=86400");
        assertThat(target.contentDisposition()).isNullOrEmpty();
        assertThat(target.metadata()).isEmpty();
        assertThat(read("team/log/copy.drv")).isEqualTo(log);
    }

    @Test
    void aCopyWritesTheVerifiedVersionWithItsOwnHeadersOnly() throws Exception {
        byte[] verified = randomBytes(4000, 8);
        String etag = stage("_staging/team/copy.nar", verified);

        assertThat(store.copyIfMatch("_staging/team/copy.nar", etag, "team/nar/copy.nar", NAR, IMMUTABLE))
                .isEqualTo(CopyOutcome.COPIED);
        assertThat(read("team/nar/copy.nar")).isEqualTo(verified);
        assertOnlyOwnHeaders("team/nar/copy.nar");

        // Someone replaces the staging object after verification: the copy must not happen.
        stage("_staging/team/copy.nar", randomBytes(4000, 9));
        assertThat(store.copyIfMatch("_staging/team/copy.nar", etag, "team/nar/copy-2.nar", NAR, IMMUTABLE))
                .isEqualTo(CopyOutcome.SOURCE_CHANGED);
        assertThat(store.head("team/nar/copy-2.nar")).isEmpty();

        assertThat(store.copyIfMatch("_staging/team/absent.nar", etag, "team/nar/copy-3.nar", NAR, IMMUTABLE))
                .isEqualTo(CopyOutcome.SOURCE_CHANGED);
        assertThat(store.head("team/nar/copy-3.nar")).isEmpty();
    }

    @Test
    void aCopyAboveTheSingleCopyLimitGoesPartByPartWithItsOwnHeadersOnly() throws Exception {
        byte[] verified = randomBytes(11 * MIB + 17, 10);
        String etag = stage("_staging/team/big.nar", verified);

        assertThat(partwise.copyIfMatch("_staging/team/big.nar", etag, "team/nar/big.nar", NAR, IMMUTABLE))
                .isEqualTo(CopyOutcome.COPIED);
        assertThat(Hash.sha256(read("team/nar/big.nar"))).isEqualTo(Hash.sha256(verified));
        assertOnlyOwnHeaders("team/nar/big.nar");

        stage("_staging/team/big.nar", randomBytes(11 * MIB, 11));
        assertThat(partwise.copyIfMatch("_staging/team/big.nar", etag, "team/nar/big-2.nar", NAR, IMMUTABLE))
                .isEqualTo(CopyOutcome.SOURCE_CHANGED);
        assertThat(store.head("team/nar/big-2.nar")).isEmpty();
        assertThat(openUploads("team/nar/big-2.nar")).as("the abandoned copy is aborted").isZero();
    }

    @Test
    void aCopyNeverReplacesAnExistingTargetWhateverItsSize() throws Exception {
        for (S3ObjectStore copier : new S3ObjectStore[] {store, partwise}) {
            String target = "team/nar/taken-" + (copier == store ? "single" : "parts") + ".nar";
            byte[] first = randomBytes(6 * MIB, 12);
            assertThat(copier.copyIfMatch("_staging/team/taken.nar", stage("_staging/team/taken.nar", first), target, NAR,
                    IMMUTABLE)).isEqualTo(CopyOutcome.COPIED);
            Stored before = Stored.of(head(target));

            byte[] second = randomBytes(6 * MIB, 13);
            assertThat(copier.copyIfMatch("_staging/team/taken.nar", stage("_staging/team/taken.nar", second), target,
                    "text/html", "no-store")).isEqualTo(CopyOutcome.TARGET_EXISTS);

            assertThat(Hash.sha256(read(target))).isEqualTo(Hash.sha256(first));
            assertThat(Stored.of(head(target))).isEqualTo(before);
            assertThat(openUploads(target)).isZero();
        }
    }

    @Test
    void aPartwiseCopyRacedToTheTargetIsNotCompletedOverIt() throws Exception {
        // A concurrent publisher fills the target after this copy looked at it and while its parts
        // are copied: the completion, sent with If-None-Match: *, is refused (s3proxy enforces this
        // one), and the racer's object stays as it was.
        byte[] theirs = randomBytes(6 * MIB, 14);
        AtomicBoolean raced = new AtomicBoolean();
        S3Client s3 = aws.clients().s3();
        S3Client racing = intercept(s3, "uploadPartCopy", () -> {
            if (raced.compareAndSet(false, true)) {
                s3.putObject(b -> b.bucket(store.bucket()).key("team/nar/raced.nar").contentType(NAR).cacheControl(IMMUTABLE),
                        RequestBody.fromBytes(theirs));
            }
        });
        S3ObjectStore copier = new S3ObjectStore(racing, aws.clients().s3Presigner(), store.bucket(), MIB, 5L * MIB, 1000);
        String etag = stage("_staging/team/raced.nar", randomBytes(6 * MIB, 15));

        assertThat(copier.copyIfMatch("_staging/team/raced.nar", etag, "team/nar/raced.nar", NAR, IMMUTABLE))
                .isEqualTo(CopyOutcome.TARGET_EXISTS);
        assertThat(raced).isTrue();
        assertThat(Hash.sha256(read("team/nar/raced.nar"))).isEqualTo(Hash.sha256(theirs));
        assertThat(openUploads("team/nar/raced.nar")).isZero();
    }

    @Test
    void aSourceReplacedAfterTheLookBeforeTheCopyIsNotCopiedEitherWay() throws Exception {
        // The HEAD pinned to the ETag has passed; the upload is replaced right before the write
        // (single copy) or between two part copies: the write's own source condition must hold.
        S3Client s3 = aws.clients().s3();
        for (String method : new String[] {"copyObject", "uploadPartCopy"}) {
            String source = "_staging/team/swapped-" + method + ".nar";
            String target = "team/nar/swapped-" + method + ".nar";
            String etag = stage(source, randomBytes(11 * MIB, 18));
            int[] calls = {0};
            S3Client swapping = intercept(s3, method, () -> {
                if (++calls[0] == (method.equals("copyObject") ? 1 : 2)) {
                    stage(source, randomBytes(11 * MIB, 19));
                }
            });
            S3ObjectStore copier = new S3ObjectStore(swapping, aws.clients().s3Presigner(), store.bucket(),
                    method.equals("copyObject") ? S3Copy.MAX_SINGLE_COPY : MIB, 5L * MIB, 1000);

            assertThat(copier.copyIfMatch(source, etag, target, NAR, IMMUTABLE)).as(method).isEqualTo(CopyOutcome.SOURCE_CHANGED);
            assertThat(calls[0]).as(method).isGreaterThan(0);
            assertThat(store.head(target)).as(method).isEmpty();
            assertThat(openUploads(target)).as(method).isZero();
        }
    }

    @Test
    void s3proxyDoesNotCheckIfNoneMatchOnCopyObjectSoThereOnlyAwsRefusesToReplaceATarget() {
        S3Client s3 = aws.clients().s3();
        String bucket = store.bucket();
        s3.putObject(b -> b.bucket(bucket).key("team/nar/unchecked.nar"), RequestBody.fromBytes(randomBytes(100, 16)));
        s3.putObject(b -> b.bucket(bucket).key("_staging/team/unchecked.nar"), RequestBody.fromBytes(randomBytes(100, 17)));
        String before = head("team/nar/unchecked.nar").eTag();

        // AWS answers 412 PreconditionFailed here; s3proxy 4.1.0 copies. The adapter therefore looks
        // at the target before copying, which leaves the window of the copy itself on s3proxy only.
        s3.copyObject(b -> b.sourceBucket(bucket).sourceKey("_staging/team/unchecked.nar")
                .destinationBucket(bucket).destinationKey("team/nar/unchecked.nar").ifNoneMatch("*")
                .metadataDirective(MetadataDirective.REPLACE).contentType(NAR));

        assertThat(head("team/nar/unchecked.nar").eTag()).isNotEqualTo(before);
    }

    /** An S3 client that runs {@code hook} before every call of the named method, then makes the call. */
    private static S3Client intercept(S3Client real, String method, Runnable hook) {
        return (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] {S3Client.class},
                (proxy, m, args) -> {
                    if (m.getName().equals(method)) {
                        hook.run();
                    }
                    try {
                        return m.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private long openUploads(String key) {
        return aws.clients().s3().listMultipartUploads(b -> b.bucket(store.bucket()).prefix(key)).uploads().size();
    }

    private byte[] read(String key) {
        try (InputStream in = store.get(key)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
