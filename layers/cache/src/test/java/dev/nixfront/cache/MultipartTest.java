package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.PresignedRequest;
import dev.nixfront.nix.Compression;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Big NARs: parts into staging, verified, copied into nar/ only as verified; published bytes never change. */
class MultipartTest {
    private static final long MIB = 1024 * 1024;

    private final Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withMultipartThreshold(5 * MIB).withPartsPage(1));
    private final Fixture.Nar big = bigNar("big", 1);

    static Fixture.Nar bigNar(String name, long seed) {
        byte[] content = new byte[(int) (17 * MIB)];
        new Random(seed).nextBytes(content);
        // Latin-1 keeps every byte as one char, so the file holds exactly these random bytes.
        return Fixture.nar(name, Map.of("blob", new String(content, StandardCharsets.ISO_8859_1)), Compression.NONE);
    }

    private UploadTarget target(Fixture.Nar nar) {
        return target("team", nar);
    }

    private UploadTarget target(String cache, Fixture.Nar nar) {
        return f.services.uploads().request(ADMIN, cache, new UploadRequest(List.of(new NarUpload(nar.fileHash().toString(),
                nar.file().length, "none")))).uploads().get(0);
    }

    @Test
    void aBigNarGoesThroughStagingAndIsCopiedIntoPlaceAfterVerification() {
        f.createCache("team");
        UploadTarget target = target(big);
        assertThat(target.key()).isEqualTo("_staging/team/" + Fixture.staged(big.fileHash()) + ".nar");
        assertThat(target.multipart().partCount()).isEqualTo(2);
        assertThat(target.multipart().parts()).hasSize(1);

        UploadTestSupport.uploadMultipart(f, "team", big, target);
        assertThat(f.objects.object("team/nar/" + Fixture.staged(big.fileHash()) + ".nar")).isEmpty();

        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(big.info())));

        var nar = f.objects.object("team/nar/" + Fixture.staged(big.fileHash()) + ".nar").orElseThrow();
        assertThat(nar.body()).isEqualTo(big.file());
        assertThat(nar.cacheControl()).isEqualTo(Layout.NAR_CACHE_CONTROL);
        assertThat(f.objects.object(target.key())).isEmpty();
        assertThat(target(big).present()).isTrue();
    }

    @Test
    void garbageInStagingIsRefusedAndNeverReachesNar() {
        f.createCache("team");
        byte[] garbage = big.file().clone();
        garbage[garbage.length / 2] ^= 1;
        UploadTestSupport.uploadMultipart(f, "team", garbage, big, target(big));

        assertThatThrownBy(() -> f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(big.info()))))
                .isInstanceOfSatisfying(DomainException.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.field()).isEqualTo("paths[0].fileHash");
                });
        assertThat(f.objects.keys()).noneMatch(k -> k.contains("/nar/") || k.endsWith(".narinfo"));
    }

    @Test
    void stagingSwappedAfterVerificationIsNotCopied() {
        f.createCache("team");
        UploadTestSupport.uploadMultipart(f, "team", big, target(big));
        String staging = "_staging/team/" + Fixture.staged(big.fileHash()) + ".nar";
        byte[] garbage = big.file().clone();
        garbage[0] ^= 1;
        AtomicBoolean swapped = new AtomicBoolean();
        // The attacker completes another upload over staging right after the verifier opened it.
        f.objects.afterGet(key -> {
            if (key.equals(staging) && swapped.compareAndSet(false, true)) {
                f.objects.store(staging, garbage, "application/x-nix-nar", null);
            }
        });

        assertThatThrownBy(() -> f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(big.info()))))
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.status()).isEqualTo(422));
        assertThat(swapped).isTrue();
        assertThat(f.objects.keys()).noneMatch(k -> k.contains("/nar/") || k.endsWith(".narinfo"));
    }

    private static List<byte[]> parts(byte[] file) {
        int size = (int) UploadService.partSize(file.length);
        List<byte[]> parts = new java.util.ArrayList<>();
        for (int from = 0; from < file.length; from += size) {
            parts.add(Arrays.copyOfRange(file, from, Math.min(file.length, from + size)));
        }
        return parts;
    }

    @Test
    void garbageSwappedForGoodBytesBetweenLookupAndReadAndBackBeforeTheCopyNeverLands() {
        // A multipart ETag names the parts' content, so completing the same garbage again brings
        // its ETag back. Unpinned, the verifier would read the good bytes under the garbage's ETag
        // and the copy pinned to that ETag would move the garbage into nar/.
        f.createCache("team");
        String staging = "_staging/team/" + Fixture.staged(big.fileHash()) + ".nar";
        byte[] garbage = big.file().clone();
        garbage[garbage.length - 3] ^= 1;
        UploadTestSupport.uploadMultipart(f, "team", garbage, big, target(big));
        String garbageEtag = f.objects.head(staging).orElseThrow().etag();
        AtomicBoolean swapped = new AtomicBoolean();
        AtomicBoolean restored = new AtomicBoolean();
        f.objects.afterHead(key -> {
            if (key.equals(staging) && swapped.compareAndSet(false, true)) {
                f.objects.storeMultipart(staging, parts(big.file()), Layout.NAR_CONTENT_TYPE);
            }
        });
        f.objects.afterGet(key -> {
            if (key.equals(staging) && restored.compareAndSet(false, true)) {
                f.objects.storeMultipart(staging, parts(garbage), Layout.NAR_CONTENT_TYPE);
                assertThat(f.objects.head(staging).orElseThrow().etag()).isEqualTo(garbageEtag);
            }
        });

        assertThatThrownBy(() -> f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(big.info()))))
                .isInstanceOfSatisfying(DomainException.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.field()).isEqualTo("paths[0].fileHash");
                });
        assertThat(swapped).isTrue();
        assertThat(restored).isTrue();
        assertThat(f.objects.keys()).noneMatch(k -> k.contains("/nar/") || k.endsWith(".narinfo"));
    }

    @Test
    void anUploadReplacedBetweenLookupAndReadIsLookedAtAgainAndWhatLandsIsWhatWasRead() {
        f.createCache("team");
        String staging = "_staging/team/" + Fixture.staged(big.fileHash()) + ".nar";
        byte[] garbage = big.file().clone();
        garbage[5] ^= 1;
        UploadTestSupport.uploadMultipart(f, "team", garbage, big, target(big));
        List<String> reads = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicBoolean swapped = new AtomicBoolean();
        f.objects.afterHead(key -> {
            if (key.equals(staging) && swapped.compareAndSet(false, true)) {
                f.objects.storeMultipart(staging, parts(big.file()), Layout.NAR_CONTENT_TYPE);
            }
        });
        f.objects.afterGet(reads::add);

        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(big.info())));

        assertThat(swapped).isTrue();
        // The read pinned to the garbage's ETag was refused before a byte was handed out.
        assertThat(reads).containsExactly(staging);
        assertThat(f.objects.object("team/nar/" + Fixture.staged(big.fileHash()) + ".nar").orElseThrow().body()).isEqualTo(big.file());
        assertThat(f.objects.object(staging)).isEmpty();
    }

    @Test
    void noUploadCanChangeThePublishedBytesEitherWay() {
        f.createCache("team");
        UploadTestSupport.uploadMultipart(f, "team", big, target(big));
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(big.info())));
        String narKey = "team/nar/" + Fixture.staged(big.fileHash()) + ".nar";
        byte[] published = f.objects.object(narKey).orElseThrow().body();
        byte[] garbage = big.file().clone();
        garbage[7] ^= 1;

        // Multipart way: the server hands out no staging upload for a file it has; a forged
        // staging object is never copied, because the path is already published.
        assertThat(target(big).present()).isTrue();
        f.objects.store("_staging/team/" + Fixture.staged(big.fileHash()) + ".nar", garbage, "application/x-nix-nar", null);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(big.info())));
        assertThat(f.objects.object(narKey).orElseThrow().body()).isEqualTo(published);

        // Single-PUT way: the presigned URL binds length and SHA-256 of the key's own FileHash.
        Fixture.Nar small = Fixture.nar("small");
        var put = f.services.uploads().request(ADMIN, "team", new UploadRequest(List.of(new NarUpload(
                small.fileHash().toString(), small.file().length, "zstd")))).uploads().get(0).put();
        PresignedRequest request = new PresignedRequest(put.method(), URI.create(put.url()), put.headers(), f.clock.instant().plusSeconds(60));
        assertThat(put.headers()).containsEntry("x-amz-checksum-sha256", small.fileHash().toBase64())
                .containsEntry("Content-Length", Long.toString(small.file().length));
        byte[] other = Arrays.copyOf(small.file(), small.file().length);
        other[other.length - 1] ^= 1;
        assertThatThrownBy(() -> f.objects.clientPut(request, other)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void stagingLivesUnderOneRootSoALifecycleRuleCanExpireItAndDeletingACacheRemovesItsOwn() {
        // No cache name can start with '_', so _staging/ never overlaps a cache's own keys.
        assertThat(CacheName.problem("_staging")).isNotNull();
        f.createCache("team");
        f.createCache("team-2");
        Fixture.Nar other = bigNar("other", 2);
        // Completed but never published: only the lifecycle rule or a cache delete removes these.
        UploadTestSupport.uploadMultipart(f, "team", big, target(big));
        UploadTestSupport.uploadMultipart(f, "team-2", other, target("team-2", other));
        String teamStaging = "_staging/team/" + Fixture.staged(big.fileHash()) + ".nar";
        String keptStaging = "_staging/team-2/" + Fixture.staged(other.fileHash()) + ".nar";
        assertThat(f.objects.keys()).contains(teamStaging, keptStaging);

        f.services.caches().delete(ADMIN, "team");

        assertThat(f.objects.keys()).doesNotContain(teamStaging).contains(keptStaging)
                .allMatch(k -> k.startsWith("team-2/") || k.startsWith("_staging/team-2/"));
    }

    @Test
    void partSizesLetFiveTebibytesFitInTenThousandParts() {
        long fiveTiB = UploadService.MAX_OBJECT_SIZE;
        assertThat(UploadService.partCount(fiveTiB)).isLessThanOrEqualTo(10_000);
        assertThat(UploadService.partSize(fiveTiB)).isLessThanOrEqualTo(5L * 1024 * MIB);
        assertThat(UploadService.partSize(6 * MIB)).isEqualTo(16 * MIB);
        assertThat(UploadService.partCount(33 * MIB)).isEqualTo(3);
        for (long size : new long[] {6 * MIB, 160_000 * MIB + 1, fiveTiB - 1, fiveTiB}) {
            long part = UploadService.partSize(size);
            int count = UploadService.partCount(size);
            assertThat(count).as("parts of %d", size).isBetween(1, 10_000);
            assertThat((count - 1) * part).isLessThan(size);
            assertThat(count * part).isGreaterThanOrEqualTo(size);
            assertThat(part).isGreaterThanOrEqualTo(UploadService.MIN_PART_SIZE);
        }
    }
}
