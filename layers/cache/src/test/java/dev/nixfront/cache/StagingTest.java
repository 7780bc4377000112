package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResult;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadResponse;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.cache.fake.MemoryObjectStore;
import dev.nixfront.cache.port.CopyOutcome;
import dev.nixfront.cache.port.PresignedRequest;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Every upload waits in staging and only publish writes under {@code nar/}: what it verified,
 * with the headers it chooses, once. The invariant: the bytes and stored headers under
 * {@code nar/} never change once written, and nothing is there that the server did not verify.
 */
class StagingTest {
    private static final Map<String, String> SMUGGLED = Map.of(
            "Content-Encoding", "gzip", "Content-Disposition", "attachment", "x-amz-meta-evil", "1");

    private final Fixture f = new Fixture();
    private final Fixture.Nar one = nar("one");

    private static String narKey(Fixture.Nar n) {
        return "team/nar/" + Fixture.staged(n.fileHash()) + ".nar.zst";
    }

    private static String stagingKey(Fixture.Nar n) {
        return "_staging/team/" + Fixture.staged(n.fileHash()) + ".nar.zst";
    }

    /** The single PUT the upload service hands out for {@code n}, as the client receives it. */
    private PresignedRequest put(Fixture.Nar n) {
        UploadResponse response = f.services.uploads().request(ADMIN, "team", new UploadRequest(List.of(
                new NarUpload(n.fileHash().toString(), n.file().length, "zstd"))));
        UploadTarget target = response.uploads().getFirst();
        return new PresignedRequest(target.put().method(), URI.create(target.put().url()), target.put().headers(),
                response.expiresAt());
    }

    private List<String> publish(Fixture.Nar... nars) {
        return f.services.publish().publish(ADMIN, "team", new PublishRequest(Arrays.stream(nars)
                .map(Fixture.Nar::info).toList())).results().stream().map(PublishResult::state).toList();
    }

    @Test
    void aSinglePutLandsInStagingAndOnlyPublishPutsTheVerifiedBytesUnderNar() {
        f.createCache("team");
        PresignedRequest put = put(one);
        assertThat(put.url().getPath()).isEqualTo("/" + stagingKey(one));
        f.objects.clientPut(put, one.file());
        assertThat(f.objects.keys()).containsExactly(stagingKey(one), "team/nix-cache-info");

        assertThat(publish(one)).containsExactly("published");

        MemoryObjectStore.Obj nar = f.objects.object(narKey(one)).orElseThrow();
        assertThat(nar.body()).isEqualTo(one.file());
        assertThat(f.objects.object(stagingKey(one))).as("deleted once copied").isEmpty();
        assertThat(f.objects.writes()).containsSubsequence("copy " + narKey(one), "delete " + stagingKey(one),
                "put team/" + one.path().hash() + ".narinfo");
    }

    @Test
    void headersAClientAddsToItsUploadAreNeitherCopiedNorServed() {
        f.createCache("team");
        f.objects.clientPut(put(one), one.file(), SMUGGLED);
        assertThat(f.objects.object(stagingKey(one)).orElseThrow().unsigned()).isEqualTo(SMUGGLED);

        assertThat(publish(one)).containsExactly("published");

        MemoryObjectStore.Obj nar = f.objects.object(narKey(one)).orElseThrow();
        assertThat(nar.contentType()).isEqualTo(Layout.NAR_CONTENT_TYPE);
        assertThat(nar.cacheControl()).isEqualTo(Layout.NAR_CACHE_CONTROL);
        assertThat(nar.unsigned()).isEmpty();
    }

    @Test
    void aNarKeyAConcurrentPublisherFilledFirstIsLeftAsItIsAndThePublishSucceeds() {
        f.createCache("team");
        f.upload("team", one);
        String etag = f.objects.object(stagingKey(one)).orElseThrow().etag();
        AtomicBoolean raced = new AtomicBoolean();
        MemoryObjectStore.Obj[] theirs = new MemoryObjectStore.Obj[1];
        // While this publisher verifies, another one has verified the same file and copies it first.
        f.objects.afterGet(key -> {
            if (key.equals(stagingKey(one)) && raced.compareAndSet(false, true)) {
                assertThat(f.objects.copyIfMatch(key, etag, narKey(one), Layout.NAR_CONTENT_TYPE, Layout.NAR_CACHE_CONTROL))
                        .isEqualTo(CopyOutcome.COPIED);
                theirs[0] = f.objects.object(narKey(one)).orElseThrow();
            }
        });

        assertThat(publish(one)).containsExactly("published");

        assertThat(raced).isTrue();
        assertThat(f.objects.writes()).filteredOn(w -> w.startsWith("copy ")).containsExactly("copy " + narKey(one));
        assertThat(f.objects.object(narKey(one)).orElseThrow()).isSameAs(theirs[0]);
        assertThat(f.objects.object(stagingKey(one))).isEmpty();
    }

    @Test
    void replayingAnUploadAfterPublishWritesOnlyStagingAndNothingServedChanges() {
        f.createCache("team");
        PresignedRequest put = put(one);
        f.objects.clientPut(put, one.file());
        publish(one);
        MemoryObjectStore.Obj published = f.objects.object(narKey(one)).orElseThrow();

        f.objects.clientPut(put, one.file(), SMUGGLED);
        assertThat(f.objects.object(stagingKey(one)).orElseThrow().unsigned()).isEqualTo(SMUGGLED);
        assertThat(publish(one)).as("published already: a no-op").containsExactly("published");
        // Another store path whose NAR is the same file: it is verified where it already is, not copied again.
        Fixture.Nar twin = Fixture.nar("twin", Map.of("README", "contents of one\n"), one.compression());
        assertThat(twin.fileHash()).isEqualTo(one.fileHash());
        assertThat(publish(twin)).containsExactly("published");

        assertThat(f.objects.object(narKey(one)).orElseThrow()).isSameAs(published);
        assertThat(f.objects.writes()).filteredOn(w -> w.contains("/nar/")).containsExactly("copy " + narKey(one));
    }

    /**
     * Two pushes of one file share its staging key. If the other publisher copies it into nar/ and
     * deletes it from staging right after this publish found nar/ empty, the publish must still find
     * the file (it failed with "no NAR file was uploaded" before).
     */
    @Test
    void aFileMovedIntoNarByAConcurrentPublisherBetweenTheTwoLooksIsFound() {
        f.createCache("team");
        f.objects.clientPut(put(one), one.file());
        java.util.concurrent.atomic.AtomicBoolean raced = new java.util.concurrent.atomic.AtomicBoolean();
        f.objects.afterHead(key -> {
            if (key.equals(narKey(one)) && raced.compareAndSet(false, true)) {
                // the other publisher: copy, then delete from staging
                f.objects.store(narKey(one), one.file(), "application/x-nix-nar", "public, max-age=31536000, immutable");
                f.objects.delete(stagingKey(one));
            }
        });
        assertThat(publish(one)).containsExactly("published");
        assertThat(raced).isTrue();
        assertThat(f.objects.object(narKey(one)).orElseThrow().body()).isEqualTo(one.file());
    }
}
