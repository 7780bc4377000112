package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.ApiError;
import dev.nixfront.api.GcReport;
import dev.nixfront.api.GcStatus;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The lease that keeps one collection per cache ({@link DynamoDbCollectionRepository}), over the
 * wire against dynalite: its conditional put, extension and finish, and the outcome it keeps.
 */
@ExtendWith(LocalAws.Extension.class)
class CollectionLeaseTest {
    private static final CacheRecord TEAM = new CacheRecord(CacheName.of("team"), "team-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=",
            new byte[] {1}, 40, false, Instant.parse("2026-11-25T17:00:00Z"), "00000000000000aa", null);
    private static final CacheRecord AGAIN = new CacheRecord(TEAM.name(), TEAM.publicKey(), new byte[] {1}, 40, false,
            Instant.parse("2026-11-26T17:00:00Z"), "00000000000000bb", null);
    private static final Instant AT = Instant.parse("2026-12-01T02:00:00Z");
    private static final Duration LEASE = Duration.ofMinutes(16);

    private DynamoDbCollectionRepository collections;

    @BeforeEach
    void setUp(LocalAws aws) {
        collections = new DynamoDbCollectionRepository(aws.clients().dynamoDb(), aws.newTable());
    }

    private static GcStatus done(String run) {
        GcReport report = new GcReport("team", false, AT, "1d", null, "30d", 3, 300, 1, 100, 0, 1,
                List.of(new GcReport.GcPath("/nix/store/0c6kzph7l0dcbqmh0kcms1rcb0d1k5xs-b-1.0", 100, "not in the closure of a pin")),
                List.of(), null, 1);
        return new GcStatus("team", run, GcStatus.DONE, AT, AT.plusSeconds(150), null, report);
    }

    @Test
    void oneRunHoldsTheLeaseUntilItFinishesOrItLapses() {
        assertThat(collections.get(TEAM, AT)).isEmpty();
        assertThat(collections.start(TEAM, "00000000000000a1", AT, AT.plus(LEASE))).isEmpty();

        assertThat(collections.start(TEAM, "0000000000000002", AT.plusSeconds(60), AT.plusSeconds(60).plus(LEASE)))
                .hasValueSatisfying(holder -> {
                    assertThat(holder.run()).isEqualTo("00000000000000a1");
                    assertThat(holder.state()).isEqualTo(GcStatus.RUNNING);
                });
        assertThat(collections.start(AGAIN, "0000000000000003", AT, AT.plus(LEASE))).as("another incarnation has its own").isEmpty();

        Instant lapsed = AT.plus(LEASE).plusSeconds(1);
        assertThat(collections.get(TEAM, lapsed)).hasValueSatisfying(s -> assertThat(s.state()).isEqualTo(GcStatus.ABANDONED));
        assertThat(collections.start(TEAM, "0000000000000002", lapsed, lapsed.plus(LEASE))).as("taken over once it lapsed").isEmpty();
        assertThat(collections.extend(TEAM, "00000000000000a1", lapsed.plus(LEASE))).as("the dead run changes nothing").isFalse();
        assertThat(collections.finish(TEAM, done("00000000000000a1"))).isFalse();
        assertThat(collections.get(TEAM, lapsed)).hasValueSatisfying(s -> assertThat(s.run()).isEqualTo("0000000000000002"));
    }

    @Test
    void anOutcomeListingAThousandLongPathsIsKeptCutToAHundred() {
        // Found by an outside review: an inline collection of 1,000 paths with long names finished
        // its work, then failed to record a status over DynamoDB's 400 KB item (500, lease held).
        List<GcReport.GcPath> paths = new java.util.ArrayList<>();
        List<GcReport.GcNar> nars = new java.util.ArrayList<>();
        for (int i = 0; i < GcReport.MAX_LISTED; i++) {
            String hash = String.format("%032d", i);
            paths.add(new GcReport.GcPath("/nix/store/" + hash + "-" + "n".repeat(200), 100,
                    "not in the closure of a pin or of a root pushed since 2026-11-01T02:00:00.000000000Z"));
            nars.add(new GcReport.GcNar("team/nar/0/" + hash + "0".repeat(20) + ".nar.zst", "delete", AT, "only collected paths name it"));
        }
        GcReport report = new GcReport("team", false, AT, "1d", null, "0s", 0, 0, 1000, 100_000, 1000, 0, paths, nars, null, 0);
        GcStatus done = new GcStatus("team", "0000000000000001", GcStatus.DONE, AT, AT.plusSeconds(15), null, report);
        collections.start(TEAM, "0000000000000001", AT, AT.plus(LEASE));

        assertThat(collections.finish(TEAM, done)).isTrue();

        GcStatus kept = collections.get(TEAM, AT.plusSeconds(20)).orElseThrow();
        assertThat(kept.state()).isEqualTo(GcStatus.DONE);
        assertThat(kept.report().pathsCollected()).isEqualTo(1000);
        assertThat(kept.report().paths()).hasSize(100).isEqualTo(paths.subList(0, 100));
        assertThat(kept.report().nars()).hasSize(100).isEqualTo(nars.subList(0, 100));
        assertThat(collections.start(TEAM, "0000000000000002", AT.plusSeconds(20), AT.plus(LEASE))).as("the lease is free").isEmpty();
    }

    @Test
    void aFinishedRunKeepsItsOutcomeAndFreesTheLease() {
        collections.start(TEAM, "0000000000000001", AT, AT.plus(LEASE));
        assertThat(collections.extend(TEAM, "0000000000000001", AT.plus(LEASE).plusSeconds(600))).isTrue();
        assertThat(collections.finish(TEAM, done("0000000000000001"))).isTrue();

        assertThat(collections.get(TEAM, AT.plusSeconds(200))).hasValue(done("0000000000000001"));
        assertThat(collections.extend(TEAM, "0000000000000001", AT.plus(LEASE))).as("finished: no lease to extend").isFalse();
        assertThat(collections.start(TEAM, "0000000000000002", AT.plusSeconds(200), AT.plus(LEASE))).isEmpty();

        GcStatus failed = new GcStatus("team", "0000000000000002", GcStatus.FAILED, AT, AT.plusSeconds(201),
                new ApiError("conflict", "paths", "1 paths that stay reference the paths to remove"), null);
        assertThat(collections.finish(TEAM, failed)).isTrue();
        assertThat(collections.get(TEAM, AT.plusSeconds(300))).hasValue(failed);

        collections.deleteAll(TEAM);
        assertThat(collections.get(TEAM, AT.plusSeconds(300))).isEmpty();
        collections.deleteAll(TEAM);
    }
}
