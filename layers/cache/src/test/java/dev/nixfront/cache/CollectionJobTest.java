package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.GcRequest;
import dev.nixfront.api.GcStatus;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.RemovePathsRequest;
import dev.nixfront.api.UpdateCacheRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.GcJob;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.PinRecord;
import dev.nixfront.nix.StorePathHash;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Collections as jobs, as in AWS, where the fence (2 minutes) outlasts a request: the admin's
 * request takes the cache's lease and queues a job; the job marks, hands on what does not fit its
 * time, waits the fence, sweeps; one collection per cache at a time; a run takes over what a dead
 * one left; removals of named paths; the daily schedule.
 */
class CollectionJobTest {
    private final Fixture f = new Fixture(CacheSettings.defaults("https://cache.example.org/").withCollectionFence(Duration.ofMinutes(2)), true);

    CollectionJobTest() {
        f.createCache("team");
    }

    private CacheRecord team() {
        return f.cacheRecord("team");
    }

    private void publish(Fixture.Nar... nars) {
        f.publishAll("team", nars);
    }

    private boolean readable(Fixture.Nar nar) {
        return f.readable("team", nar);
    }

    private PathState state(Fixture.Nar nar) {
        return f.paths.record(team(), nar.path().hash()).map(PathRecord::state).orElse(null);
    }

    private void retention(String retention) {
        f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(null, null, retention, null, "0s"));
    }

    /** Runs the queued jobs as the collect function would, each invocation with {@code time} to spend. */
    private GcStatus runJobs(Duration time) {
        GcStatus last = null;
        for (GcJob job = f.fakes.collectionQueue.poll(); job != null; job = f.fakes.collectionQueue.poll()) {
            last = f.services.gc().run(job, f.clock.instant().plus(time), f.fakes.collectionQueue);
        }
        return last;
    }

    @Test
    void aCollectionThatOutlastsARequestIsQueuedAndItsStateReadable() {
        Fixture.Nar old = Fixture.nar("old");
        publish(old);
        retention("1d");
        f.clock.advance(Duration.ofDays(2));

        GcStatus started = f.services.gc().collect(ADMIN, "team", new GcRequest(false));

        assertThat(started.state()).isEqualTo(GcStatus.RUNNING);
        assertThat(f.fakes.collectionQueue.jobs()).singleElement().satisfies(job -> {
            assertThat(job.run()).isEqualTo(started.run());
            assertThat(job.incarnation()).isEqualTo(team().incarnation());
        });
        assertThat(readable(old)).as("nothing happens before the job runs").isTrue();
        assertThat(f.services.gc().status(ADMIN, "team").state()).isEqualTo(GcStatus.RUNNING);

        GcStatus done = runJobs(Duration.ofMinutes(14));

        assertThat(done.state()).isEqualTo(GcStatus.DONE);
        assertThat(done.report().pathsCollected()).isEqualTo(1);
        assertThat(readable(old)).isFalse();
        GcStatus status = f.services.gc().status(ADMIN, "team");
        assertThat(status.state()).isEqualTo(GcStatus.DONE);
        assertThat(status.run()).isEqualTo(started.run());
        assertThat(status.report().paths()).singleElement().satisfies(p -> assertThat(p.storePath()).isEqualTo(old.path().toString()));
    }

    @Test
    void oneCollectionAtATimePerCache() {
        retention("1d");
        GcStatus first = f.services.gc().collect(ADMIN, "team", new GcRequest(false));

        assertThatThrownBy(() -> f.services.gc().collect(ADMIN, "team", new GcRequest(false)))
                .isInstanceOfSatisfying(DomainException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.getMessage()).contains(first.run());
                });
        assertThat(f.services.gc().collect(ADMIN, "team", new GcRequest(true)).state()).as("a dry run needs no lease")
                .isEqualTo(GcStatus.DONE);

        runJobs(Duration.ofMinutes(14));
        assertThat(f.services.gc().collect(ADMIN, "team", new GcRequest(false)).state()).isEqualTo(GcStatus.RUNNING);
    }

    @Test
    void aRunOutOfTimeHandsOnAndTheNextInvocationFinishesAfterTheFence() {
        Fixture.Nar dep = Fixture.nar("dep");
        Fixture.Nar app = Fixture.nar("app", dep.path());
        publish(dep, app);
        retention("1d");
        f.clock.advance(Duration.ofDays(2));
        f.services.gc().collect(ADMIN, "team", new GcRequest(false));
        GcJob job = f.fakes.collectionQueue.poll();

        // One minute left: it marks, but the fence (2 minutes) does not fit, so it hands on.
        GcStatus first = f.services.gc().run(job, f.clock.instant().plus(Duration.ofMinutes(1)), f.fakes.collectionQueue);

        assertThat(first.state()).isEqualTo(GcStatus.RUNNING);
        assertThat(state(dep)).isEqualTo(PathState.COLLECTING);
        assertThat(state(app)).isEqualTo(PathState.COLLECTING);
        GcJob next = f.fakes.collectionQueue.jobs().getFirst();
        assertThat(next.run()).isEqualTo(job.run());
        assertThat(next.lastMarkAt()).isNotNull();

        GcStatus done = runJobs(Duration.ofMinutes(14));

        assertThat(done.state()).isEqualTo(GcStatus.DONE);
        assertThat(done.report().pathsCollected()).isEqualTo(2);
        assertThat(state(dep)).isNull();
        assertThat(state(app)).isNull();
        assertThat(f.clock.instant()).as("it waited the fence after the last mark").isAfterOrEqualTo(next.lastMarkAt().plus(Duration.ofMinutes(2)));
    }

    @Test
    void aSweepCutShortGoesOnFromTheIndexAndAddsUpItsReport() {
        List<Fixture.Nar> nars = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            nars.add(Fixture.nar("p" + i));
        }
        publish(nars.toArray(Fixture.Nar[]::new));
        retention("1d");
        f.clock.advance(Duration.ofDays(2));
        f.services.gc().collect(ADMIN, "team", new GcRequest(false));
        GcJob job = f.fakes.collectionQueue.poll();
        // The deadline passes while it deletes: the third deletion after the fence moves the clock past it.
        Instant deadline = f.clock.instant().plus(Duration.ofMinutes(3));
        java.util.concurrent.atomic.AtomicInteger deletions = new java.util.concurrent.atomic.AtomicInteger(-1);
        f.pause = duration -> {
            f.clock.advance(duration);
            deletions.set(0);
        };
        f.paths.beforeTransition = () -> {
            if (deletions.get() >= 0 && deletions.incrementAndGet() == 3) {
                f.clock.advance(Duration.ofMinutes(2));
            }
        };

        GcStatus first = f.services.gc().run(job, deadline, f.fakes.collectionQueue);
        f.paths.beforeTransition = () -> { };
        f.pause = duration -> f.clock.advance(duration);

        assertThat(first.state()).isEqualTo(GcStatus.RUNNING);
        GcJob next = f.fakes.collectionQueue.jobs().getFirst();
        assertThat(next.done().pathsCollected()).isBetween(1, 39);
        GcStatus done = runJobs(Duration.ofMinutes(14));
        assertThat(done.report().pathsCollected()).isEqualTo(40);
        assertThat(nars).noneMatch(this::readable);
    }

    @Test
    void aPinAddedDuringTheFenceKeepsThePath() {
        Fixture.Nar dep = Fixture.nar("dep");
        Fixture.Nar app = Fixture.nar("app", dep.path());
        publish(dep, app);
        retention("1d");
        f.clock.advance(Duration.ofDays(2));
        f.pause = duration -> {
            // app is collecting, still readable: pinning it is allowed, and must keep it and what it needs.
            f.services.pins().put(ADMIN, "team", "release", new dev.nixfront.api.PinRequest(app.path().toString(), null));
            f.clock.advance(duration);
        };
        f.services.gc().collect(ADMIN, "team", new GcRequest(false));

        GcStatus done = runJobs(Duration.ofMinutes(14));

        assertThat(done.report().pathsCollected()).isZero();
        assertThat(readable(app)).isTrue();
        assertThat(readable(dep)).isTrue();
        assertThat(state(app)).isEqualTo(PathState.PUBLISHED);
        assertThat(state(dep)).isEqualTo(PathState.PUBLISHED);
    }

    @Test
    void aRunTakesOverWhatADeadOneLeftAndJudgesItAgain() {
        Fixture.Nar kept = Fixture.nar("kept");
        Fixture.Nar gone = Fixture.nar("gone");
        publish(kept, gone);
        retention("1d");
        f.clock.advance(Duration.ofDays(2));
        // A run that died after marking both (its lease lapses).
        GcStatus dead = f.services.gc().collect(ADMIN, "team", new GcRequest(false));
        GcJob deadJob = f.fakes.collectionQueue.poll();
        f.services.gc().run(deadJob, f.clock.instant().plus(Duration.ofSeconds(10)), job -> { });
        assertThat(state(kept)).isEqualTo(PathState.COLLECTING);
        f.fakes.pins.put(team(), new PinRecord("keep", 1, List.of(new PinRecord.Revision(kept.path(), f.clock.instant())), 1), null);
        f.clock.advance(Duration.ofHours(2));
        assertThat(f.services.gc().status(ADMIN, "team").state()).isEqualTo(GcStatus.ABANDONED);

        f.services.gc().collect(ADMIN, "team", new GcRequest(false));
        GcStatus done = runJobs(Duration.ofMinutes(14));

        assertThat(done.run()).isNotEqualTo(dead.run());
        assertThat(done.report().pathsCollected()).isEqualTo(1);
        assertThat(state(kept)).isEqualTo(PathState.PUBLISHED);
        assertThat(readable(gone)).isFalse();
        // The dead run's job, delivered late, finds the lease taken and changes nothing.
        assertThat(f.services.gc().run(deadJob, f.clock.instant().plus(Duration.ofMinutes(14)), job -> { }).state())
                .isEqualTo(GcStatus.ABANDONED);
        assertThat(state(kept)).isEqualTo(PathState.PUBLISHED);
    }

    @Test
    void removingAPathAReferrerNeedsIsRefusedNamingIt() {
        Fixture.Nar dep = Fixture.nar("dep");
        Fixture.Nar app = Fixture.nar("app", dep.path());
        publish(dep, app);

        f.services.gc().remove(ADMIN, "team", new RemovePathsRequest(List.of(dep.path().toString()), false, null));
        assertThat(f.fakes.collectionQueue.jobs()).as("the referrers are found by the job's listing").hasSize(1);
        GcStatus refused = runRefused();

        assertThat(refused.state()).isEqualTo(GcStatus.FAILED);
        assertThat(refused.error().error()).isEqualTo("conflict");
        assertThat(refused.error().reason()).contains(app.path().toString()).contains("--recursive");
        assertThat(f.services.gc().status(ADMIN, "team").state()).isEqualTo(GcStatus.FAILED);
        assertThat(readable(dep)).isTrue();
        assertThat(state(dep)).isEqualTo(PathState.PUBLISHED);
    }

    private GcStatus runRefused() {
        GcJob job = f.fakes.collectionQueue.poll();
        assertThatThrownBy(() -> f.services.gc().run(job, f.clock.instant().plus(Duration.ofMinutes(14)), f.fakes.collectionQueue))
                .isInstanceOf(DomainException.class);
        return f.services.gc().status(ADMIN, "team");
    }

    @Test
    void aRecursiveRemovalTakesTheReferrersTooAndNothingElse() {
        Fixture.Nar dep = Fixture.nar("dep");
        Fixture.Nar app = Fixture.nar("app", dep.path());
        Fixture.Nar other = Fixture.nar("other");
        publish(dep, app, other);

        GcStatus dry = f.services.gc().remove(ADMIN, "team", new RemovePathsRequest(List.of(dep.path().toString()), true, true));
        assertThat(dry.report().paths()).extracting(p -> p.storePath())
                .containsExactlyInAnyOrder(dep.path().toString(), app.path().toString());
        assertThat(readable(dep)).isTrue();

        f.services.gc().remove(ADMIN, "team", new RemovePathsRequest(List.of(dep.path().toString()), true, null));
        GcStatus done = runJobs(Duration.ofMinutes(14));

        assertThat(done.report().pathsCollected()).isEqualTo(2);
        assertThat(readable(dep)).isFalse();
        assertThat(readable(app)).isFalse();
        assertThat(readable(other)).isTrue();
        assertThat(f.objects.head(Layout.nar(CacheName.of("team"), dep.fileHash(), dep.compression()))).as("the default grace keeps the NAR")
                .isPresent();
    }

    @Test
    void aRemovalRefusesPinnedAndUnknownPathsAndBadInputBeforeTakingTheLease() {
        Fixture.Nar app = Fixture.nar("app");
        publish(app);
        f.fakes.pins.put(team(), new PinRecord("release", 1, List.of(new PinRecord.Revision(app.path(), f.clock.instant())), 1), null);

        assertThatThrownBy(() -> f.services.gc().remove(ADMIN, "team", new RemovePathsRequest(List.of("not-a-path"), false, null)))
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.field()).isEqualTo("paths[0]"));
        assertThatThrownBy(() -> f.services.gc().remove(ADMIN, "team", new RemovePathsRequest(List.of(), false, null)))
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.field()).isEqualTo("paths"));
        assertThatThrownBy(() -> f.services.gc().remove(ADMIN, "team",
                new RemovePathsRequest(List.of(app.path().toString()), true, true)))
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.getMessage()).contains("pinned as release"));
        assertThatThrownBy(() -> f.services.gc().remove(ADMIN, "team",
                new RemovePathsRequest(List.of(Fixture.storePath("never-pushed").toString()), false, true)))
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThat(f.fakes.collectionQueue.jobs()).isEmpty();
        assertThat(readable(app)).isTrue();
    }

    @Test
    void theDailyScheduleStartsAJobForEachCacheWithAPolicyThatIsNotCollectingAlready() {
        f.createCache("keeps-all");
        f.createCache("busy");
        f.services.caches().update(ADMIN, "busy", new UpdateCacheRequest(null, null, "7d", null, null));
        retention("30d");
        f.services.gc().collect(ADMIN, "busy", new GcRequest(false));
        f.fakes.collectionQueue.poll();

        List<GcStatus> started = f.services.gc().scheduled(f.fakes.collectionQueue);

        assertThat(started).extracting(GcStatus::cache).containsExactly("team");
        assertThat(f.fakes.collectionQueue.jobs()).singleElement().satisfies(job -> assertThat(job.cache()).isEqualTo("team"));
    }

    @Test
    void aJobForADeletedCacheDoesNothing() {
        retention("1d");
        f.services.gc().collect(ADMIN, "team", new GcRequest(false));
        f.services.caches().delete(ADMIN, "team");

        GcStatus outcome = runJobs(Duration.ofMinutes(14));

        assertThat(outcome.state()).isEqualTo(GcStatus.FAILED);
        assertThat(outcome.error().reason()).contains("deleted");
    }

    @Test
    void wavesPutEveryReferrerBeforeWhatItReferences() {
        Map<StorePathHash, PathRecord> marked = new HashMap<>();
        Fixture.Nar c = Fixture.nar("c");
        Fixture.Nar b = Fixture.nar("b", c.path());
        Fixture.Nar a = Fixture.nar("a", b.path(), c.path());
        for (Fixture.Nar n : List.of(a, b, c)) {
            marked.put(n.path().hash(), new PathRecord(PathInfos.toNarInfo(n.info(), "/nix/store", ""), PathState.COLLECTING, null,
                    f.clock.instant(), "r"));
        }
        Map<StorePathHash, List<StorePathHash>> referrers = Map.of(
                c.path().hash(), List.of(b.path().hash(), a.path().hash()),
                b.path().hash(), List.of(a.path().hash()));

        List<List<PathRecord>> waves = GarbageCollector.waves(marked, referrers);

        assertThat(waves).hasSize(3);
        assertThat(waves.get(0)).extracting(r -> r.hash()).containsExactly(a.path().hash());
        assertThat(waves.get(1)).extracting(r -> r.hash()).containsExactly(b.path().hash());
        assertThat(waves.get(2)).extracting(r -> r.hash()).containsExactly(c.path().hash());
    }

    /**
     * Found in review: the sweep's second plan refused the removal again when a referrer was published
     * during the fence, failing the job with its paths left collecting. A referrer published once the
     * paths are marked keeps what it references instead.
     */
    @Test
    void aReferrerPublishedDuringARemovalsFenceKeepsTheTargetAndTheRemovalEnds() {
        Fixture.Nar dep = Fixture.nar("dep");
        publish(dep);
        Fixture.Nar app = Fixture.nar("app", dep.path());
        f.upload("team", app);
        f.pause = duration -> {
            f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info())));
            f.clock.advance(duration);
        };
        f.services.gc().remove(ADMIN, "team", new RemovePathsRequest(List.of(dep.path().toString()), false, null));

        GcStatus done = runJobs(Duration.ofMinutes(14));

        assertThat(done.state()).isEqualTo(GcStatus.DONE);
        assertThat(done.report().pathsCollected()).isZero();
        assertThat(readable(app)).isTrue();
        assertThat(readable(dep)).isTrue();
        assertThat(state(dep)).isEqualTo(PathState.PUBLISHED);
    }

    @Test
    void aJobThatCannotBeQueuedGivesTheLeaseUp() {
        Fixture failing = new Fixture(CacheSettings.defaults("https://cache.example.org/"), true);
        failing.createCache("team");
        failing.services.caches().update(ADMIN, "team", new UpdateCacheRequest(null, null, "1d", null, null));
        failing.fakes.collectionQueue.failing = new IllegalStateException("Lambda throttled the Invoke");

        assertThatThrownBy(() -> failing.services.gc().collect(ADMIN, "team", new GcRequest(false)))
                .hasMessageContaining("throttled");

        assertThat(failing.services.gc().status(ADMIN, "team").state()).isEqualTo(GcStatus.FAILED);
        failing.fakes.collectionQueue.failing = null;
        assertThat(failing.services.gc().collect(ADMIN, "team", new GcRequest(false)).state()).isEqualTo(GcStatus.RUNNING);
    }

    @Test
    void anInlineCollectionThatFailsGivesTheLeaseUp() {
        Fixture inline = new Fixture(CacheSettings.defaults("https://cache.example.org/"));
        inline.createCache("team");
        Fixture.Nar old = Fixture.nar("old");
        inline.uploadAll("team", old);
        inline.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(old.info())));
        inline.services.caches().update(ADMIN, "team", new UpdateCacheRequest(null, null, "1d", null, "0s"));
        inline.clock.advance(Duration.ofDays(2));
        inline.paths.beforeTransition = () -> {
            throw new IllegalStateException("DynamoDB is throttling");
        };

        assertThatThrownBy(() -> inline.services.gc().collect(ADMIN, "team", new GcRequest(false))).hasMessageContaining("throttling");

        assertThat(inline.services.gc().status(ADMIN, "team").state()).isEqualTo(GcStatus.FAILED);
        inline.paths.beforeTransition = () -> { };
        GcStatus again = inline.services.gc().collect(ADMIN, "team", new GcRequest(false));
        assertThat(again.state()).isEqualTo(GcStatus.DONE);
        assertThat(again.report().pathsCollected()).isEqualTo(1);
    }

    /**
     * Found by the outside review: a removal of paths the cache never published, or of a pinned one,
     * took the lease, answered 202 in AWS, and replaced the last collection's outcome with its failure.
     * Both are decided by the request now, before the lease.
     */
    @Test
    void aRemovalTheRequestAloneRefusesTakesNoLeaseAndKeepsTheLastOutcome() {
        Fixture.Nar app = Fixture.nar("app");
        publish(app);
        retention("1d");
        f.services.gc().collect(ADMIN, "team", new GcRequest(false));
        GcStatus last = runJobs(Duration.ofMinutes(14));
        f.fakes.pins.put(team(), new PinRecord("release", 1, List.of(new PinRecord.Revision(app.path(), f.clock.instant())), 1), null);

        assertThatThrownBy(() -> f.services.gc().remove(ADMIN, "team",
                new RemovePathsRequest(List.of(Fixture.storePath("never-pushed").toString()), false, null)))
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> f.services.gc().remove(ADMIN, "team", new RemovePathsRequest(List.of(app.path().toString()), false, null)))
                .isInstanceOfSatisfying(DomainException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.getMessage()).contains("pinned as release");
                });

        assertThat(f.fakes.collectionQueue.jobs()).isEmpty();
        assertThat(f.services.gc().status(ADMIN, "team")).isEqualTo(last);
    }

    /** Found by the outside review: a collection of a cache deleted while it ran answered "done, 0 collected". */
    @Test
    void aCollectionOfACacheDeletedWhileItRanSaysSo() {
        Fixture.Nar old = Fixture.nar("old");
        publish(old);
        retention("1d");
        f.clock.advance(Duration.ofDays(2));
        f.pause = duration -> {
            f.services.caches().delete(ADMIN, "team");
            f.clock.advance(duration);
        };
        f.services.gc().collect(ADMIN, "team", new GcRequest(false));

        GcStatus outcome = runJobs(Duration.ofMinutes(14));

        assertThat(outcome.state()).isEqualTo(GcStatus.FAILED);
        assertThat(outcome.error().reason()).contains("deleted while it was being collected");
    }

    @Test
    void aCacheWhoseJobCannotBeQueuedDoesNotStopTheDailyScheduleForTheOthers() {
        Fixture two = new Fixture(CacheSettings.defaults("https://cache.example.org/"), true);
        for (String name : List.of("first", "second")) {
            two.createCache(name);
            two.services.caches().update(ADMIN, name, new UpdateCacheRequest(null, null, "1d", null, null));
        }
        int[] calls = {0};
        List<GcJob> queued = new java.util.ArrayList<>();
        List<GcStatus> started = two.services.gc().scheduled(job -> {
            if (calls[0]++ == 0) {
                throw new IllegalStateException("Lambda throttled the Invoke");
            }
            queued.add(job);
        });

        assertThat(started).extracting(GcStatus::state).containsExactlyInAnyOrder(GcStatus.FAILED, GcStatus.RUNNING);
        assertThat(queued).hasSize(1);
        String failed = started.stream().filter(s -> s.state().equals(GcStatus.FAILED)).findFirst().orElseThrow().cache();
        assertThat(two.services.gc().status(ADMIN, failed).state()).as("its lease given up").isEqualTo(GcStatus.FAILED);
    }
}
