package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.NarRecord;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The conditional writes a collection and a publish meet on, over the wire against dynalite: the
 * path states ({@link DynamoDbPathIndex}) and the NAR registry ({@link DynamoDbNarRegistry}).
 */
@ExtendWith(LocalAws.Extension.class)
class CollectionStatesTest {
    private static final CacheRecord TEAM = new CacheRecord(CacheName.of("team"), "team-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=",
            new byte[] {1}, 40, false, Instant.parse("2026-11-25T17:00:00Z"), "00000000000000aa", null);
    private static final CacheRecord AGAIN = new CacheRecord(TEAM.name(), TEAM.publicKey(), new byte[] {1}, 40, false,
            Instant.parse("2026-11-26T17:00:00Z"), "00000000000000bb", null);
    private static final Instant AT = Instant.parse("2026-11-25T17:00:00.123Z");
    private static final String NAR = "team/nar/m/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8m.nar.zst";

    private DynamoDbPathIndex paths;
    private DynamoDbNarRegistry nars;

    @BeforeEach
    void setUp(LocalAws aws) {
        String table = aws.newTable();
        paths = new DynamoDbPathIndex(aws.clients().dynamoDb(), table);
        nars = new DynamoDbNarRegistry(aws.clients().dynamoDb(), table);
    }

    private static PathRecord published(String name) {
        byte[] digest = Arrays.copyOf(Hash.sha256(name.getBytes(StandardCharsets.UTF_8)).bytes(), 20);
        StorePath path = new StorePath("/nix/store", StorePathHash.of(digest), name);
        NarInfo info = NarInfo.builder(path).url("nar/x.nar").compression(Compression.NONE)
                .narHash(Hash.sha256(name.getBytes(StandardCharsets.UTF_8))).narSize(8).build();
        return new PathRecord(info, PathState.PUBLISHED, null, AT);
    }

    private PathState state(StorePathHash hash) {
        PathRecord r = paths.get(TEAM, List.of(hash)).get(hash);
        return r == null ? null : r.state();
    }

    @Test
    void aPathGoesPublishedCollectingDeletingGoneOnlyForItsOwnRunAndUnchanged() {
        PathRecord p = published("p");
        paths.putUnlessPublished(TEAM, p);

        assertThat(paths.markCollecting(TEAM, new PathRecord(p.info(), PathState.PUBLISHED, null, AT.plusMillis(1)), "run1"))
                .as("published again since it was judged").isFalse();
        assertThat(paths.markDeleting(TEAM, p.hash(), "run1")).as("not collecting yet").isFalse();
        assertThat(paths.markCollecting(TEAM, p, "run1")).isTrue();
        PathRecord collecting = paths.get(TEAM, List.of(p.hash())).get(p.hash());
        assertThat(collecting.state()).isEqualTo(PathState.COLLECTING);
        assertThat(collecting.attempt()).isEqualTo("run1");
        assertThat(collecting.updatedAt()).isEqualTo(AT);
        assertThat(paths.markDeleting(TEAM, p.hash(), "run2")).as("another run").isFalse();
        assertThat(paths.deleteDeleting(TEAM, p.hash(), "run1")).as("not deleting yet").isFalse();
        assertThat(paths.markDeleting(TEAM, p.hash(), "run1")).isTrue();
        assertThat(paths.revive(TEAM, p.hash())).as("too late to take it back").isFalse();
        assertThat(paths.putUnlessPublished(TEAM, p)).as("no publish over a deleting path").isFalse();
        assertThat(paths.deleteDeleting(TEAM, p.hash(), "run2")).isFalse();
        assertThat(paths.deleteDeleting(TEAM, p.hash(), "run1")).isTrue();
        assertThat(state(p.hash())).isNull();
        assertThat(paths.markCollecting(TEAM, p, "run1")).as("an absent item is never created").isFalse();
        assertThat(state(p.hash())).isNull();
    }

    @Test
    void aReferrerOrARepublishTakesACollectingPathBack() {
        PathRecord p = published("p");
        PathRecord q = published("q");
        paths.putUnlessPublished(TEAM, p);
        paths.putUnlessPublished(TEAM, q);
        paths.markCollecting(TEAM, p, "run1");
        paths.markCollecting(TEAM, q, "run1");

        assertThat(paths.revive(TEAM, p.hash())).isTrue();
        assertThat(paths.get(TEAM, List.of(p.hash())).get(p.hash())).isEqualTo(p);
        assertThat(paths.revive(TEAM, p.hash())).as("published already").isFalse();
        assertThat(paths.putUnlessPublished(TEAM, new PathRecord(q.info(), PathState.PUBLISHED, null, AT.plusSeconds(9)))).isTrue();
        assertThat(paths.markDeleting(TEAM, p.hash(), "run1")).isFalse();
        assertThat(paths.markDeleting(TEAM, q.hash(), "run1")).isFalse();
        assertThat(paths.listHashes(TEAM)).containsExactlyInAnyOrder(p.hash(), q.hash());
        assertThat(paths.listHashes(AGAIN)).as("another incarnation's listing").isEmpty();
    }

    @Test
    void aNarIsDeletedOnlyWithoutUsersAfterItsDoomAndNoClaimLandsOnceDeletionStarted() {
        StorePathHash a = published("a").hash();
        StorePathHash b = published("b").hash();
        Instant t0 = Instant.parse("2026-11-25T18:00:00Z");

        assertThat(nars.claim(TEAM, NAR, a, t0)).isTrue();
        assertThat(nars.claim(TEAM, NAR, b, t0.plusSeconds(1))).isTrue();
        assertThat(nars.doom(TEAM, NAR, t0)).as("used").isFalse();
        nars.release(TEAM, NAR, a, t0);
        assertThat(nars.get(TEAM, List.of(NAR)).get(NAR).users()).as("b's claim is newer than the release's judgement")
                .containsExactlyInAnyOrder(a, b);
        nars.release(TEAM, NAR, a, t0.plusSeconds(2));
        assertThat(nars.doom(TEAM, NAR, t0)).as("still used by b").isFalse();
        nars.release(TEAM, NAR, b, t0.plusSeconds(2));
        assertThat(nars.get(TEAM, List.of(NAR)).get(NAR).users()).isEmpty();
        assertThat(nars.doom(TEAM, NAR, t0.plusSeconds(10))).isTrue();
        assertThat(nars.doom(TEAM, NAR, t0.plusSeconds(20))).as("doomed already: the first time stays").isFalse();
        assertThat(nars.startDeleting(TEAM, NAR, t0.plusSeconds(9), "run1")).as("doomed too recently").isFalse();

        assertThat(nars.claim(TEAM, NAR, a, t0.plusSeconds(30))).as("a publish takes it back").isTrue();
        NarRecord claimed = nars.get(TEAM, List.of(NAR)).get(NAR);
        assertThat(claimed.doomedAt()).isNull();
        assertThat(claimed.users()).containsExactly(a);
        assertThat(nars.startDeleting(TEAM, NAR, t0.plusSeconds(60), "run1")).isFalse();

        nars.release(TEAM, NAR, a, dev.nixfront.cache.port.NarRegistry.ANY_CLAIM);
        nars.doom(TEAM, NAR, t0.plusSeconds(40));
        assertThat(nars.startDeleting(TEAM, NAR, t0.plusSeconds(40), "run1")).isTrue();
        assertThat(nars.startDeleting(TEAM, NAR, t0.plusSeconds(40), "run1")).as("resumed by its run").isTrue();
        assertThat(nars.startDeleting(TEAM, NAR, t0.plusSeconds(40), "run2")).isFalse();
        assertThat(nars.claim(TEAM, NAR, b, t0.plusSeconds(50))).as("no claim while deleting").isFalse();
        assertThat(nars.get(TEAM, List.of(NAR)).get(NAR).users()).isEmpty();
        nars.finishDeleting(TEAM, NAR, "run2");
        assertThat(nars.get(TEAM, List.of(NAR))).as("only its run finishes it").containsKey(NAR);
        nars.finishDeleting(TEAM, NAR, "run1");
        assertThat(nars.get(TEAM, List.of(NAR))).isEmpty();
    }

    @Test
    void claimsOfFailedPublishesAreDroppedOnlyWhenNoClaimIsRecent() {
        StorePathHash a = published("a").hash();
        StorePathHash b = published("b").hash();
        Instant t0 = Instant.parse("2026-11-25T18:00:00Z");
        nars.claim(TEAM, NAR, a, t0);
        nars.claim(TEAM, NAR, b, t0.plusSeconds(100));

        assertThat(nars.dropUsers(TEAM, NAR, List.of(a), t0.plusSeconds(50))).as("b's claim is recent").isFalse();
        assertThat(nars.dropUsers(TEAM, NAR, List.of(a), t0.plusSeconds(101))).isTrue();
        assertThat(nars.get(TEAM, List.of(NAR)).get(NAR).users()).containsExactly(b);
        assertThat(nars.dropUsers(TEAM, "team/nar/0/nothing.nar", List.of(a), t0.plusSeconds(101))).as("no record, none made").isFalse();
        assertThat(nars.get(TEAM, List.of("team/nar/0/nothing.nar"))).isEmpty();
    }

    @Test
    void deletingTheCacheRemovesItsIncarnationsRecordsOnly() {
        StorePathHash a = published("a").hash();
        nars.claim(TEAM, NAR, a, AT);
        nars.doom(TEAM, "team/nar/0/orphan0.nar", AT);
        nars.claim(AGAIN, NAR, a, AT);

        nars.deleteAll(TEAM);

        assertThat(nars.get(TEAM, List.of(NAR, "team/nar/0/orphan0.nar"))).isEmpty();
        assertThat(nars.get(AGAIN, List.of(NAR))).containsOnlyKeys(NAR);
        assertThat(nars.get(AGAIN, List.of(NAR)).get(NAR).users()).isEqualTo(Set.of(a));
    }
}
