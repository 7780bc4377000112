package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.BuildLog;
import dev.nixfront.api.LogResult;
import dev.nixfront.api.LogUploadResponse;
import dev.nixfront.api.LogUploadTarget;
import dev.nixfront.api.LogsRequest;
import dev.nixfront.api.PathInfo;
import dev.nixfront.cache.fake.MemoryObjectStore;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.PresignedRequest;
import dev.nixfront.cache.port.Scope;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Build logs: stored only for a published path, under the deriver the index holds for it, only
 * what was verified, with the headers the server chooses, and never replaced.
 */
class LogServiceTest {
    private static final String DRV = "awcb5kdhcrh9n4al36vyb2zr9ryw3pbi-hello.drv";
    private static final String LOG_KEY = "team/log/" + DRV;

    private final Fixture f = new Fixture();
    private final Fixture.Nar hello = withDeriver(Fixture.nar("hello"), DRV);

    private static Fixture.Nar withDeriver(Fixture.Nar nar, String deriver) {
        PathInfo i = nar.info();
        return nar.withInfo(new PathInfo(i.storePath(), i.narHash(), i.narSize(), i.fileHash(), i.fileSize(), i.compression(),
                i.references(), deriver, i.ca()));
    }

    /** A log as the CLI sends it: the text compressed with zstd. */
    private record Log(String storePath, byte[] file, long size) {
        static Log of(Fixture.Nar path, String text) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            return new Log(path.path().toString(), Fixture.compress(bytes, Compression.ZSTD), bytes.length);
        }

        BuildLog wire() {
            return new BuildLog(storePath, Hash.sha256(file).toString(), file.length, "zstd", size);
        }
    }

    private LogUploadResponse uploadTargets(Log... logs) {
        return f.services.logs().uploads(ADMIN, "team", new LogsRequest(List.of(logs).stream().map(Log::wire).toList()));
    }

    /** Asks for targets and PUTs what is not present, as the CLI does. */
    private void upload(Log... logs) {
        LogUploadResponse answer = uploadTargets(logs);
        for (int i = 0; i < logs.length; i++) {
            LogUploadTarget t = answer.logs().get(i);
            if (!t.present()) {
                f.objects.clientPut(new PresignedRequest(t.put().method(), URI.create(t.put().url()), t.put().headers(),
                        answer.expiresAt()), logs[i].file());
            }
        }
    }

    private List<String> publish(Log... logs) {
        return f.services.logs().publish(ADMIN, "team", new LogsRequest(List.of(logs).stream().map(Log::wire).toList()))
                .logs().stream().map(LogResult::outcome).toList();
    }

    private static String stagingKey(Log log) {
        return "_staging/team/log/" + Hash.sha256(log.file()).toNix32() + ".zst";
    }

    @Test
    void aLogIsStagedVerifiedAndStoredUnderItsPathsDeriverWithTheServersHeaders() {
        f.createCache("team");
        f.publishAll("team", hello);
        Log log = Log.of(hello, "building hello\nmake: done\n");

        LogUploadTarget target = uploadTargets(log).logs().getFirst();
        assertThat(target.present()).isFalse();
        assertThat(target.log()).isEqualTo("log/" + DRV);
        assertThat(URI.create(target.put().url()).getPath()).as("a staging key, never served").isEqualTo("/" + stagingKey(log));
        upload(log);
        f.objects.clientPut(new PresignedRequest("PUT", URI.create(target.put().url()), target.put().headers(),
                f.clock.instant().plusSeconds(60)), log.file(), Map.of("Content-Disposition", "attachment", "x-amz-meta-evil", "1"));

        assertThat(publish(log)).containsExactly(LogResult.WRITTEN);

        MemoryObjectStore.Obj stored = f.objects.object(LOG_KEY).orElseThrow();
        assertThat(stored.body()).isEqualTo(log.file());
        assertThat(stored.contentType()).isEqualTo("text/plain; charset=utf-8");
        assertThat(stored.cacheControl()).isEqualTo(Layout.LOG_CACHE_CONTROL);
        assertThat(stored.unsigned()).as("only the encoding the server chose").isEqualTo(Map.of("Content-Encoding", "zstd"));
        assertThat(f.objects.object(stagingKey(log))).as("the upload is deleted once copied").isEmpty();
    }

    @Test
    void aStoredLogIsNeverReplacedAndIsNotUploadedAgain() {
        f.createCache("team");
        f.publishAll("team", hello);
        Log first = Log.of(hello, "first build\n");
        upload(first);
        publish(first);

        Log second = Log.of(hello, "a rebuild printed something else\n");
        assertThat(uploadTargets(second).logs().getFirst().present()).isTrue();
        f.objects.store(stagingKey(second), second.file(), "text/plain", "no-cache");
        assertThat(publish(second)).containsExactly(LogResult.PRESENT);
        assertThat(f.objects.object(LOG_KEY).orElseThrow().body()).isEqualTo(first.file());
        assertThat(f.objects.object(stagingKey(second))).as("an upload that is not needed is deleted too").isEmpty();
    }

    @Test
    void twoOutputsOfOneDerivationShareOneLogAndOneUpload() {
        f.createCache("team");
        Fixture.Nar dev = withDeriver(Fixture.nar("hello-dev"), DRV);
        f.publishAll("team", hello, dev);
        Log a = Log.of(hello, "one log for both outputs\n");
        Log b = Log.of(dev, "one log for both outputs\n");
        upload(a, b);

        assertThat(publish(a, b)).as("whichever got there first wrote it").containsExactlyInAnyOrder(LogResult.WRITTEN, LogResult.PRESENT);
        assertThat(f.objects.keys()).filteredOn(k -> k.startsWith("_staging/")).isEmpty();
    }

    @Test
    void onlyAPathPublishedHereWithADeriverGetsALog() {
        f.createCache("team");
        f.createCache("other");
        Fixture.Nar noDeriver = Fixture.nar("no-deriver");
        Fixture.Nar elsewhere = withDeriver(Fixture.nar("elsewhere"), "0123456789abcdfghijklmnpqrsvwxyz-elsewhere.drv");
        f.publishAll("team", noDeriver);
        f.publishAll("other", elsewhere);

        DomainException unpublished = refusal(() -> uploadTargets(Log.of(hello, "x")));
        assertThat(unpublished.status()).isEqualTo(409);
        assertThat(unpublished.field()).isEqualTo("logs[0].storePath");
        assertThat(unpublished.reason()).contains("not published in team");
        assertThat(refusal(() -> uploadTargets(Log.of(elsewhere, "x"))).reason()).as("another cache's path").contains("not published in team");
        DomainException noLog = refusal(() -> publish(Log.of(noDeriver, "x")));
        assertThat(noLog.status()).isEqualTo(409);
        assertThat(noLog.reason()).contains("without a Deriver");

        // Same hash, another name: not the published path.
        String renamed = hello.path().toString().replace("-hello", "-hellp");
        f.publishAll("team", hello);
        Log log = Log.of(hello, "x");
        DomainException otherName = refusal(() -> f.services.logs().uploads(ADMIN, "team", new LogsRequest(List.of(
                new BuildLog(renamed, log.wire().fileHash(), log.wire().fileSize(), "zstd", log.size())))));
        assertThat(otherName.status()).isEqualTo(409);
        assertThat(f.objects.keys()).noneMatch(k -> k.contains("/log/"));
    }

    @Test
    void everyFieldIsCheckedBeforeAnythingHappens() {
        f.createCache("team");
        f.publishAll("team", hello);
        Log good = Log.of(hello, "text\n");
        BuildLog w = good.wire();
        Map<String, BuildLog> bad = Map.of(
                "logs[0].storePath", new BuildLog("/tmp/x-hello", w.fileHash(), w.fileSize(), "zstd", w.size()),
                "logs[0].fileHash", new BuildLog(w.storePath(), "md5:abc", w.fileSize(), "zstd", w.size()),
                "logs[0].fileSize", new BuildLog(w.storePath(), w.fileHash(), 0, "zstd", w.size()),
                "logs[0].compression", new BuildLog(w.storePath(), w.fileHash(), w.fileSize(), "bzip2", w.size()),
                "logs[0].size", new BuildLog(w.storePath(), w.fileHash(), w.fileSize(), "zstd", LogsRequest.MAX_BYTES + 1));
        bad.forEach((field, log) -> {
            DomainException e = refusal(() -> f.services.logs().uploads(ADMIN, "team", new LogsRequest(List.of(log))));
            assertThat(e.status()).as(field).isEqualTo(400);
            assertThat(e.field()).isEqualTo(field);
        });
        assertThat(refusal(() -> publish()).field()).isEqualTo("logs");
        assertThat(refusal(() -> publish(good, good)).field()).as("twice").isEqualTo("logs[1].storePath");
        List<Log> tooMany = new ArrayList<>();
        for (int i = 0; i <= LogsRequest.MAX; i++) {
            tooMany.add(good);
        }
        assertThat(refusal(() -> publish(tooMany.toArray(Log[]::new))).status()).isEqualTo(413);
        BuildLog half = new BuildLog(w.storePath(), w.fileHash(), w.fileSize(), "zstd", LogsRequest.MAX_BYTES / 2 + 1);
        Fixture.Nar other = withDeriver(Fixture.nar("other"), "0123456789abcdfghijklmnpqrsvwxyz-other.drv");
        f.publishAll("team", other);
        BuildLog otherHalf = new BuildLog(other.path().toString(), w.fileHash(), w.fileSize(), "zstd", LogsRequest.MAX_BYTES / 2 + 1);
        assertThat(refusal(() -> f.services.logs().publish(ADMIN, "team", new LogsRequest(List.of(half, otherHalf)))).status())
                .as("over the bytes a request takes").isEqualTo(413);
        Principal reader = new Principal("tk_r", Scope.fromLists(List.of("team"), List.of("read")));
        assertThat(refusal(() -> f.services.logs().uploads(reader, "team", new LogsRequest(List.of(w)))).status()).isEqualTo(403);
        assertThat(refusal(() -> f.services.logs().publish(reader, "team", new LogsRequest(List.of(w)))).status()).isEqualTo(403);
        assertThat(f.objects.keys()).noneMatch(k -> k.contains("log/"));
    }

    @Test
    void anUploadThatIsNotWhatWasNamedIsRefusedAndDeleted() {
        f.createCache("team");
        f.publishAll("team", hello);
        Log log = Log.of(hello, "the real log\n");
        byte[] notZstd = "plain text, not compressed\n".getBytes(StandardCharsets.UTF_8);
        byte[] trailing = concat(log.file(), "junk".getBytes(StandardCharsets.UTF_8));
        Map<String, Log> bad = Map.of(
                "logs[0].fileHash", new Log(log.storePath(), notZstd, notZstd.length),
                "logs[0].size", new Log(log.storePath(), log.file(), log.size() - 1));
        bad.forEach((field, l) -> {
            upload(l);
            DomainException e = refusal(() -> publish(l));
            assertThat(e.status()).as(field).isEqualTo(422);
            assertThat(e.field()).as(e.reason()).isEqualTo(field);
            assertThat(f.objects.object(stagingKey(l))).isEmpty();
        });
        Log withJunk = new Log(log.storePath(), trailing, log.size());
        upload(withJunk);
        assertThat(refusal(() -> publish(withJunk)).status()).as("bytes after the zstd frame").isEqualTo(422);

        // Staged bytes that do not hash to fileHash (S3 would refuse them; a stand-in or a bug might not).
        f.objects.store(stagingKey(log), Log.of(hello, "other text!!\n").file(), "text/plain", "no-cache");
        DomainException lying = refusal(() -> publish(log));
        assertThat(lying.status()).isEqualTo(422);
        assertThat(lying.reason()).contains("not fileHash");

        DomainException notUploaded = refusal(() -> publish(log));
        assertThat(notUploaded.status()).isEqualTo(409);
        assertThat(notUploaded.reason()).contains("no log file was uploaded");
        assertThat(f.objects.keys()).noneMatch(k -> k.startsWith("team/log/"));
    }

    @Test
    void aLogWrittenWhileItsCacheIsDeletedIsRemovedAgain() {
        f.createCache("team");
        f.publishAll("team", hello);
        Log log = Log.of(hello, "late\n");
        upload(log);
        // The deletion marks the cache as the copy lands; its sweep has passed (or comes later and
        // finds nothing): the log must not outlive the cache either way.
        String incarnation = f.cacheRecord("team").incarnation();
        f.objects.afterWrite(entry -> {
            if (entry.equals("copy " + LOG_KEY)) {
                f.caches.markDeleted(CacheName.of("team"), incarnation, f.clock.instant());
            }
        });
        assertThatThrownBy(() -> publish(log)).as("a 404, as for a path").isInstanceOf(CacheGoneException.class);
        assertThat(f.objects.object(LOG_KEY)).as("removed by the publisher itself").isEmpty();
    }

    @Test
    void aLogIsTakenOnlyInTheHourAfterItsPathIsPublished() {
        // Later, any writer of the cache could attach its own text to a path it did not push, for good.
        f.createCache("team");
        f.publishAll("team", hello);
        Log log = Log.of(hello, "late text\n");
        f.clock.advance(Duration.ofMinutes(61));

        DomainException late = refusal(() -> uploadTargets(log));
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.field()).isEqualTo("logs[0].storePath");
        assertThat(late.reason()).contains("more than 60 minutes ago");
        assertThat(refusal(() -> publish(log)).status()).isEqualTo(409);
    }

    @Test
    void aFileLargerThanZstdMakesOfItsTextOrStartingWithASkippableFrameIsRefused() {
        f.createCache("team");
        f.publishAll("team", hello);
        // A skippable frame (magic 0x184D2A50) holding 2,000 bytes of anything, and "size" 0: it decodes to nothing.
        byte[] skippable = new byte[8 + 2000];
        System.arraycopy(new byte[] {0x50, 0x2A, 0x4D, 0x18, (byte) 0xD0, 0x07, 0, 0}, 0, skippable, 0, 8);
        DomainException tooLarge = refusal(() -> uploadTargets(new Log(hello.path().toString(), skippable, 0)));
        assertThat(tooLarge.status()).isEqualTo(400);
        assertThat(tooLarge.field()).isEqualTo("logs[0].fileSize");

        byte[] small = java.util.Arrays.copyOf(skippable, 8 + 100);
        small[4] = 100;
        small[5] = 0;
        Log hidden = new Log(hello.path().toString(), small, 0);
        upload(hidden);
        DomainException refused = refusal(() -> publish(hidden));
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.reason()).contains("does not start with a zstd frame");
        assertThat(f.objects.keys()).noneMatch(k -> k.startsWith("team/log/"));

        long half = LogsRequest.MAX_BYTES / 2;
        Fixture.Nar other = withDeriver(Fixture.nar("other-half"), "5123456789abcdfghijklmnpqrsvwxyz-other.drv");
        f.publishAll("team", other);
        String anyHash = Log.of(hello, "x").wire().fileHash();
        DomainException files = refusal(() -> f.services.logs().uploads(ADMIN, "team", new LogsRequest(List.of(
                new BuildLog(hello.path().toString(), anyHash, half + 1000, "zstd", half),
                new BuildLog(other.path().toString(), anyHash, half + 1000, "zstd", half)))));
        assertThat(files.status()).as("the files add up to more than a request takes").isEqualTo(413);
    }

    @Test
    void aRequestThatFailsInPartStillRemovesWhatItWroteIntoACacheDeletedMeanwhile() {
        f.createCache("team");
        Fixture.Nar other = withDeriver(Fixture.nar("other"), "6123456789abcdfghijklmnpqrsvwxyz-other.drv");
        f.publishAll("team", hello, other);
        Log good = Log.of(hello, "good\n");
        Log bad = new Log(other.path().toString(), Log.of(other, "bad\n").file(), 3);
        upload(good, bad);
        String incarnation = f.cacheRecord("team").incarnation();
        f.objects.afterWrite(entry -> {
            if (entry.equals("copy " + LOG_KEY)) {
                f.caches.markDeleted(CacheName.of("team"), incarnation, f.clock.instant());
            }
        });

        assertThatThrownBy(() -> publish(good, bad)).isInstanceOf(CacheGoneException.class);
        assertThat(f.objects.object(LOG_KEY)).isEmpty();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
