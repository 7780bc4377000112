package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.Json;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PartsRequest;
import dev.nixfront.api.PartsResponse;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadResponse;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.nix.Hash;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An upload answer stays within Lambda's 6 MB response (part URLs capped over the whole answer, the
 * rest paged through /uploads/parts) and its lookups run side by side, not one HEAD after another.
 */
class UploadAnswerTest {
    private static final long GIB = 1024L * 1024 * 1024;
    /** Lambda's limit for a synchronous response. */
    private static final int LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024;

    private final Fixture f = new Fixture();

    private static NarUpload claimed(String name, long fileSize) {
        return new NarUpload(Hash.sha256(name.getBytes(StandardCharsets.UTF_8)).toString(), fileSize, "zstd");
    }

    private UploadResponse request(List<NarUpload> nars) {
        return f.services.uploads().request(ADMIN, "team", new UploadRequest(nars));
    }

    private static int partUrls(UploadResponse response) {
        return response.uploads().stream().filter(t -> t.multipart() != null).mapToInt(t -> t.multipart().parts().size()).sum();
    }

    @Test
    void anAnswerHoldsAtMostAThousandPartUrlsAndTheRestArePagedThroughUploadsParts() {
        f.createCache("team");
        List<NarUpload> nars = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            nars.add(claimed("big-" + i, 2 * GIB));
        }
        nars.add(claimed("small", 1000));

        UploadResponse response = request(nars);

        assertThat(UploadService.partCount(2 * GIB)).isEqualTo(128);
        assertThat(partUrls(response)).isEqualTo(UploadService.MAX_PART_URLS_PER_RESPONSE);
        for (int i = 0; i < 10; i++) {
            assertThat(response.uploads().get(i).multipart().parts()).hasSize(f.settings.partsPage())
                    .extracting(p -> p.partNumber()).startsWith(1, 2, 3);
        }
        // The eleventh comes without part URLs; its upload is started, and the single PUT still comes.
        UploadTarget capped = response.uploads().get(10);
        assertThat(capped.multipart().parts()).isEmpty();
        assertThat(capped.multipart().partCount()).isEqualTo(128);
        assertThat(capped.multipart().uploadId()).isNotBlank();
        assertThat(response.uploads().get(11).put()).isNotNull();

        PartsResponse page = f.services.uploads().parts(ADMIN, "team", new PartsRequest(nars.get(10).fileHash(), 2 * GIB, "zstd",
                capped.multipart().uploadId(), 1, PartsRequest.MAX));
        assertThat(page.parts()).extracting(p -> p.partNumber()).hasSize(128).startsWith(1).endsWith(128);
    }

    @Test
    void aNarListedManyTimesCountsEachTimeItIsAnsweredAndIsStartedOnce() {
        f.createCache("team");
        UploadResponse response = request(Collections.nCopies(UploadRequest.MAX, claimed("big", 2 * GIB)));

        assertThat(response.uploads()).hasSize(UploadRequest.MAX);
        assertThat(partUrls(response)).isEqualTo(UploadService.MAX_PART_URLS_PER_RESPONSE);
        assertThat(response.uploads()).extracting(t -> t.multipart().uploadId()).containsOnly(
                response.uploads().getFirst().multipart().uploadId());
        assertThat(response.uploads().get(9).multipart().parts()).hasSize(100);
        assertThat(response.uploads().get(10).multipart().parts()).isEmpty();
    }

    @Test
    void theLargestAnswerFitsLambdasResponseWithLongPresignedUrls() {
        f.createCache("team");
        // URLs of ~2.6 KB: SigV4 fields plus a session token longer than Lambda's usual one.
        f.objects.sessionTokenLength(2500);
        List<NarUpload> nars = new ArrayList<>();
        for (int i = 0; i < UploadRequest.MAX; i++) {
            nars.add(claimed("nar-" + i, i % 10 == 0 ? 2 * GIB : 1000));
        }

        UploadResponse response = request(nars);
        byte[] json = Json.writeBytes(response);

        assertThat(partUrls(response)).isEqualTo(UploadService.MAX_PART_URLS_PER_RESPONSE);
        assertThat(response.uploads().getFirst().put()).isNull();
        assertThat(response.uploads().get(1).put().url().length()).isGreaterThan(2500);
        assertThat(json.length).isBetween(2_500_000, 3_500_000).isLessThan(LAMBDA_RESPONSE_LIMIT);
    }

    @Test
    void theLookupsOfARequestRunSideBySideOnABoundedNumberOfThreads() {
        f.createCache("team");
        int threads = UploadService.LOOKUP_THREADS;
        CountDownLatch allStarted = new CountDownLatch(threads);
        AtomicBoolean gaveUp = new AtomicBoolean();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        f.objects.beforeHead(key -> {
            peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            allStarted.countDown();
            try {
                // One after another, the first HEAD would wait here for ones that never come.
                if (!gaveUp.get() && !allStarted.await(10, TimeUnit.SECONDS)) {
                    gaveUp.set(true);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        f.objects.afterHead(key -> inFlight.decrementAndGet());
        List<NarUpload> nars = new ArrayList<>();
        for (int i = 0; i < threads + 5; i++) {
            nars.add(claimed("nar-" + i, i % 2 == 0 ? 2 * GIB : 1000));
        }

        UploadResponse response = request(nars);

        assertThat(gaveUp).isFalse();
        assertThat(peak.get()).isEqualTo(threads);
        assertThat(response.uploads()).hasSize(threads + 5);
        for (int i = 0; i < nars.size(); i++) {
            UploadTarget t = response.uploads().get(i);
            assertThat(t.fileHash()).isEqualTo(nars.get(i).fileHash());
            assertThat(i % 2 == 0 ? t.multipart() : t.put()).isNotNull();
        }
    }

    @Test
    void aFailedLookupFailsTheRequestAsItselfAndAPresentFileIsStillSkipped() {
        f.createCache("team");
        Fixture.Nar one = Fixture.nar("one");
        f.upload("team", one);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(one.info())));
        NarUpload present = new NarUpload(one.fileHash().toString(), one.file().length, "zstd");

        UploadResponse response = request(List.of(claimed("new", 1000), present));
        assertThat(response.uploads()).extracting(UploadTarget::present).containsExactly(false, true);

        f.objects.beforeHead(key -> {
            if (key.endsWith(".nar.zst") && !key.contains(one.fileHash().toNix32())) {
                throw new IllegalStateException("S3 is down");
            }
        });
        assertThatThrownBy(() -> request(List.of(present, claimed("new", 1000))))
                .isInstanceOf(IllegalStateException.class).hasMessage("S3 is down");
    }
}
