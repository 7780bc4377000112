package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import dev.nixfront.nix.sign.SecretKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link DynamoDbPathIndex} over the wire against dynalite. */
@ExtendWith(LocalAws.Extension.class)
class DynamoDbPathIndexTest {
    /** A cache older than incarnations: its items keep the keys they always had. */
    private static final CacheRecord TEAM = TestCaches.cache("team", CacheRecord.LEGACY_INCARNATION);
    private static final CacheRecord OTHER = TestCaches.cache("other", "00000000000000bb");

    private static final Instant AT = Instant.parse("2026-11-25T17:00:00Z");
    private static final SecretKey KEY = SecretKey.fromSeed("team-1", new byte[32]);

    private final Random random = new Random(42);
    private DynamoDbPathIndex paths;
    private LocalAws aws;
    private String table;

    @BeforeEach
    void setUp(LocalAws aws) {
        this.aws = aws;
        this.table = aws.newTable();
        this.paths = new DynamoDbPathIndex(aws.clients().dynamoDb(), table);
    }

    @Test
    void roundTripsEveryNarInfoField() {
        StorePath dependency = storePath("dep");
        NarInfo full = NarInfo.builder(storePath("hello-2.12"))
                .url("nar/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar.zst")
                .compression(Compression.ZSTD)
                .fileHash(sha("file"))
                .fileSize(1234)
                .narHash(sha("nar"))
                .narSize(4567)
                .references(List.of(dependency))
                .deriver(storePath("hello-2.12.drv"))
                .ca("fixed:r:sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h")
                .build();
        NarInfo withSelfReference = full.toBuilder()
                .references(List.of(dependency, full.storePath())).build().sign(KEY);
        PathRecord published = new PathRecord(withSelfReference, PathState.PUBLISHED, null, AT);
        NarInfo minimal = NarInfo.builder(storePath("minimal")).url("nar/x.nar").compression(Compression.NONE)
                .narHash(sha("minimal")).narSize(8).build();
        PathRecord rejected = new PathRecord(minimal, PathState.REJECTED, "NarHash does not match", AT);

        assertThat(paths.putUnlessPublished(TEAM, published)).isTrue();
        assertThat(paths.putUnlessPublished(TEAM, rejected)).isTrue();

        Map<StorePathHash, PathRecord> found = paths.get(TEAM, List.of(published.hash(), rejected.hash()));
        assertThat(found).containsOnly(Map.entry(published.hash(), published), Map.entry(rejected.hash(), rejected));
        assertThat(found.get(published.hash()).info().render()).isEqualTo(withSelfReference.render());
    }

    @Test
    void storesTheItemInTheAgreedLayout() {
        PathRecord record = record(storePath("layout"), PathState.PUBLISHED, "a");
        paths.putUnlessPublished(TEAM, record);
        String hash = record.hash().value();
        var item = aws.clients().dynamoDb().getItem(b -> b.tableName(table)
                .key(Items.key("PATH#team#" + hash, "PATH"))).item();
        assertThat(item.get("gsi2pk").s()).isEqualTo("PATHS#team#" + hash.charAt(31));
        assertThat(item.get("gsi2sk").s()).isEqualTo(hash);
        assertThat(item).doesNotContainKeys("gsi1pk", "gsi1sk");
        assertThat(item.get("storePath").s()).isEqualTo(record.info().storePath().toString());
        assertThat(item.get("narHash").s()).isEqualTo(record.info().narHash().toString());
        assertThat(item.get("state").s()).isEqualTo("published");
        assertThat(item.get("references").l()).extracting(v -> v.s()).containsExactly(record.info().storePath().baseName());
    }

    @Test
    void aPublishedPathIsNeverOverwritten() {
        StorePath path = storePath("once");
        assertThat(paths.putUnlessPublished(TEAM, record(path, PathState.VERIFYING, "first"))).isTrue();
        assertThat(paths.putUnlessPublished(TEAM, record(path, PathState.REJECTED, "second"))).isTrue();
        PathRecord published = record(path, PathState.PUBLISHED, "third");
        assertThat(paths.putUnlessPublished(TEAM, published)).isTrue();

        assertThat(paths.putUnlessPublished(TEAM, record(path, PathState.PUBLISHED, "fourth"))).isFalse();
        assertThat(paths.putUnlessPublished(TEAM, record(path, PathState.VERIFYING, "fifth"))).isFalse();
        assertThat(paths.get(TEAM, List.of(path.hash()))).containsExactly(Map.entry(path.hash(), published));
    }

    @Test
    void aRejectionReplacesOnlyTheVerifyingRecordItExamined() {
        StorePath path = storePath("contended");
        PathRecord mine = withAttempt(record(path, PathState.VERIFYING, "mine"), "attempt-a");
        PathRecord theirs = withAttempt(record(path, PathState.VERIFYING, "theirs"), "attempt-b");
        PathRecord rejected = record(path, PathState.REJECTED, "bad");
        assertThat(paths.putUnlessPublished(TEAM, mine)).isTrue();
        assertThat(paths.get(TEAM, List.of(path.hash())).get(path.hash())).isEqualTo(mine);

        // An inline failure examined no verifying record; a late job examined another attempt.
        assertThat(paths.putRejected(TEAM, rejected, null)).isFalse();
        assertThat(paths.putRejected(TEAM, rejected, theirs)).isFalse();
        assertThat(paths.get(TEAM, List.of(path.hash())).get(path.hash())).isEqualTo(mine);

        assertThat(paths.putRejected(TEAM, rejected, mine)).isTrue();
        // The same job delivered again, or another failing request: a rejection may replace a rejection.
        assertThat(paths.putRejected(TEAM, rejected, mine)).isTrue();
        assertThat(paths.putRejected(TEAM, rejected, null)).isTrue();
        assertThat(paths.get(TEAM, List.of(path.hash())).get(path.hash())).isEqualTo(rejected);

        StorePath fresh = storePath("fresh");
        assertThat(paths.putRejected(TEAM, record(fresh, PathState.REJECTED, "new"), null)).isTrue();
        PathRecord published = record(path, PathState.PUBLISHED, "good");
        assertThat(paths.putUnlessPublished(TEAM, published)).isTrue();
        assertThat(paths.putRejected(TEAM, rejected, null)).isFalse();
        assertThat(paths.get(TEAM, List.of(path.hash())).get(path.hash())).isEqualTo(published);
    }

    @Test
    void aVerifyingItemWithoutAnAttemptIsRejectedOnlyByOneThatExaminedItWithout() {
        StorePath path = storePath("legacy");
        PathRecord legacy = record(path, PathState.VERIFYING, "legacy");
        PathRecord rejected = record(path, PathState.REJECTED, "bad");
        assertThat(paths.putUnlessPublished(TEAM, legacy)).isTrue();

        assertThat(paths.putRejected(TEAM, rejected, withAttempt(legacy, "attempt-a"))).isFalse();
        assertThat(paths.putRejected(TEAM, rejected, legacy)).isTrue();
    }

    private static PathRecord withAttempt(PathRecord r, String attempt) {
        return new PathRecord(r.info(), r.state(), r.reason(), r.updatedAt(), attempt);
    }

    @Test
    void batchGetOf250KeysFindsExactlyThePresentOnes() {
        List<StorePathHash> asked = new ArrayList<>();
        Map<StorePathHash, PathRecord> stored = new HashMap<>();
        for (int i = 0; i < 250; i++) {
            StorePath path = storePath("p" + i);
            asked.add(path.hash());
            if (i % 3 == 0) {
                PathRecord record = record(path, PathState.PUBLISHED, "p" + i);
                paths.putUnlessPublished(TEAM, record);
                stored.put(path.hash(), record);
            }
        }
        asked.add(asked.getFirst());

        Map<StorePathHash, PathRecord> found = paths.get(TEAM, asked);

        assertThat(found).hasSize(84).isEqualTo(stored);
        assertThat(paths.get(OTHER, asked)).isEmpty();
        assertThat(paths.get(TEAM, List.of())).isEmpty();
    }

    @Test
    void concurrentPublishesOfOnePathHaveExactlyOneWinner() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 10; round++) {
                StorePath path = storePath("race" + round);
                PathRecord a = record(path, PathState.PUBLISHED, "a" + round);
                PathRecord b = record(path, PathState.PUBLISHED, "b" + round);
                CountDownLatch start = new CountDownLatch(1);
                Callable<Boolean> publishA = () -> {
                    start.await();
                    return paths.putUnlessPublished(TEAM, a);
                };
                Callable<Boolean> publishB = () -> {
                    start.await();
                    return paths.putUnlessPublished(TEAM, b);
                };
                Future<Boolean> first = pool.submit(publishA);
                Future<Boolean> second = pool.submit(publishB);
                start.countDown();
                assertThat(List.of(first.get(), second.get())).containsExactlyInAnyOrder(true, false);
                PathRecord winner = first.get() ? a : b;
                assertThat(paths.get(TEAM, List.of(path.hash())).get(path.hash())).isEqualTo(winner);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void deleteAllRemovesOneCachesPathsThroughTheIndex() {
        List<StorePathHash> team = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            PathRecord record = record(storePath("t" + i), PathState.PUBLISHED, "t" + i);
            paths.putUnlessPublished(TEAM, record);
            team.add(record.hash());
        }
        PathRecord kept = record(storePath("kept"), PathState.PUBLISHED, "kept");
        paths.putUnlessPublished(OTHER, kept);
        paths.putUnlessPublished(OTHER, record(team.getFirst(), "same path, other cache"));

        paths.deleteAll(TEAM);

        assertThat(paths.get(TEAM, team)).isEmpty();
        assertThat(paths.get(OTHER, List.of(kept.hash(), team.getFirst()))).hasSize(2);
        paths.deleteAll(TEAM);
    }

    private PathRecord record(StorePathHash hash, String salt) {
        return record(new StorePath(StorePath.DEFAULT_STORE_DIR, hash, "shared"), PathState.PUBLISHED, salt);
    }

    private static PathRecord record(StorePath path, PathState state, String salt) {
        Hash file = sha("file " + salt);
        NarInfo info = NarInfo.builder(path)
                .url("nar/" + file.toNix32() + ".nar.xz")
                .compression(Compression.XZ)
                .fileHash(file)
                .fileSize(100 + salt.length())
                .narHash(sha("nar " + salt))
                .narSize(200 + salt.length())
                .references(List.of(path))
                .build();
        if (state == PathState.PUBLISHED) {
            info = info.sign(KEY);
        }
        return new PathRecord(info, state, state == PathState.REJECTED ? "rejected: " + salt : null, AT);
    }

    private StorePath storePath(String name) {
        byte[] bytes = new byte[StorePathHash.BYTES];
        random.nextBytes(bytes);
        return new StorePath(StorePath.DEFAULT_STORE_DIR, StorePathHash.of(bytes), name);
    }

    private static Hash sha(String text) {
        return Hash.sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Items of a cache created again under a deleted one's name are other items: it starts with an empty index. */
    @Test
    void eachIncarnationOfANameHasItsOwnItems() throws Exception {
        CacheRecord first = TestCaches.cache("reborn", "00000000000000c1");
        CacheRecord second = TestCaches.cache("reborn", "00000000000000c2");
        StorePath path = StorePath.parse("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-reborn");
        PathRecord published = record(path, PathState.PUBLISHED, "first life");
        assertThat(paths.putUnlessPublished(first, published)).isTrue();
        assertThat(paths.get(second, List.of(path.hash()))).isEmpty();
        assertThat(paths.putUnlessPublished(second, record(path, PathState.VERIFYING, "second life"))).isTrue();

        var item = aws.clients().dynamoDb().getItem(b -> b.tableName(table)
                .key(Items.key("PATH#reborn.00000000000000c1#" + path.hash(), "PATH"))).item();
        assertThat(item.get("gsi2pk").s()).isEqualTo("PATHS#reborn.00000000000000c1#z");

        paths.deleteAll(first);
        assertThat(paths.get(first, List.of(path.hash()))).isEmpty();
        assertThat(paths.get(second, List.of(path.hash()))).containsKey(path.hash());
        paths.delete(second, path.hash());
        assertThat(paths.get(second, List.of(path.hash()))).isEmpty();
    }
}
