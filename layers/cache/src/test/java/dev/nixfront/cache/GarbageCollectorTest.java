package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.GcReport;
import dev.nixfront.api.GcRequest;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.UpdateCacheRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.PinRecord;
import dev.nixfront.cache.port.RootRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Garbage collection against the port fakes: what is live (pins, roots within the retention, what
 * verifying paths need, the newest roots within a size limit), what a dry run reports, and that a
 * collection removes narinfo, item and NAR and nothing a live narinfo counts on.
 */
class GarbageCollectorTest {
    private final Fixture f = new Fixture(CacheSettings.defaults("https://cache.example.org/").withCollectionFence(Duration.ofSeconds(10)));

    GarbageCollectorTest() {
        f.createCache("team");
    }

    private CacheRecord team() {
        return f.cacheRecord("team");
    }

    private void publish(Fixture.Nar... nars) {
        f.publishAll("team", nars);
    }

    private void pin(String name, Fixture.Nar nar) {
        f.fakes.pins.put(team(), new PinRecord(name, 1, List.of(new PinRecord.Revision(nar.path(), f.clock.instant())), 1), null);
    }

    private void retention(String retention, String grace) {
        f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(null, null, retention, null, grace));
    }

    private GcReport gc(boolean dry) {
        return f.services.gc().collect(ADMIN, "team", new GcRequest(dry)).report();
    }

    private boolean readable(Fixture.Nar nar) {
        return f.readable("team", nar);
    }

    private boolean narThere(Fixture.Nar nar) {
        return f.objects.head(Layout.nar(CacheName.of("team"), nar.fileHash(), nar.compression())).isPresent();
    }

    /** Every NAR object under the cache's nar/ is named by some narinfo still there. */
    private void everyNarIsUsed() {
        Set<String> named = f.objects.listKeys("team/").stream().filter(k -> k.endsWith(".narinfo"))
                .map(k -> f.paths.record(team(), new dev.nixfront.nix.StorePathHash(k.substring(5, k.length() - 8))).orElseThrow())
                .map(r -> "team/" + r.info().url()).collect(Collectors.toSet());
        assertThat(f.objects.listKeys("team/nar/")).allMatch(named::contains);
    }

    @Test
    void withoutARetentionNothingIsCollected() {
        publish(Fixture.nar("a"));
        f.clock.advance(Duration.ofDays(400));

        GcReport report = gc(false);

        assertThat(report.pathsCollected()).isZero();
        assertThat(report.note()).contains("keeps everything");
    }

    @Test
    void aDryRunSaysWhatWouldGoAndWhyAndChangesNothing() {
        Fixture.Nar aDep = Fixture.nar("a-dep");
        Fixture.Nar a = Fixture.nar("a", aDep.path());
        Fixture.Nar b = Fixture.nar("b");
        publish(aDep, a, b);
        pin("release", a);
        retention("7d", "0s");
        f.clock.advance(Duration.ofDays(8));
        List<String> writes = f.objects.writes();

        GcReport report = gc(true);

        assertThat(report.dryRun()).isTrue();
        assertThat(report.pathsCollected()).isEqualTo(1);
        assertThat(report.paths()).singleElement().satisfies(p -> {
            assertThat(p.storePath()).isEqualTo(b.path().toString());
            assertThat(p.reason()).startsWith("not in the closure of a pin or of a root pushed since");
        });
        assertThat(report.nars()).singleElement().satisfies(n -> {
            assertThat(n.key()).isEqualTo(Layout.nar(CacheName.of("team"), b.fileHash(), b.compression()));
            assertThat(n.action()).isEqualTo("delete");
        });
        assertThat(report.pathsKept()).isEqualTo(2);
        assertThat(f.objects.writes()).isEqualTo(writes);
        assertThat(readable(b)).isTrue();
    }

    @Test
    void aCollectionRemovesNarinfoItemAndNarOfWhatNothingKeepsAndLeavesTheRestWhole() {
        Fixture.Nar aDep = Fixture.nar("a-dep");
        Fixture.Nar a = Fixture.nar("a", aDep.path());
        Fixture.Nar bDep = Fixture.nar("b-dep");
        Fixture.Nar b = Fixture.nar("b", bDep.path());
        publish(aDep, a, bDep, b);
        pin("release", a);
        retention("7d", "0s");
        f.clock.advance(Duration.ofDays(8));

        GcReport report = gc(false);

        assertThat(report.pathsCollected()).isEqualTo(2);
        assertThat(report.narsDeleted()).isEqualTo(2);
        assertThat(f.fakes.usage.read(team()).paths()).as("the usage counters lose what went").isEqualTo(2);
        assertThat(f.fakes.usage.read(team()).narBytes()).isEqualTo(a.file().length + aDep.file().length);
        for (Fixture.Nar gone : List.of(b, bDep)) {
            assertThat(readable(gone)).isFalse();
            assertThat(narThere(gone)).isFalse();
            assertThat(f.paths.record(team(), gone.path().hash())).isEmpty();
        }
        for (Fixture.Nar kept : List.of(a, aDep)) {
            assertThat(readable(kept)).isTrue();
            assertThat(narThere(kept)).isTrue();
            assertThat(f.paths.record(team(), kept.path().hash()).orElseThrow().state()).isEqualTo(PathState.PUBLISHED);
        }
        everyNarIsUsed();
    }

    @Test
    void rootsPushedWithinTheRetentionKeepTheirClosuresAndOldRootRecordsGo() {
        Fixture.Nar dep = Fixture.nar("dep");
        Fixture.Nar app = Fixture.nar("app", dep.path());
        publish(dep, app);
        retention("7d", "0s");
        f.clock.advance(Duration.ofDays(8));
        f.fakes.roots.record(team(), List.of(new RootRecord(app.path(), f.clock.instant().minus(Duration.ofDays(1)))));
        Fixture.Nar old = Fixture.nar("old");
        f.clock.advance(Duration.ofDays(-8));
        publish(old);
        f.fakes.roots.record(team(), List.of(new RootRecord(old.path(), f.clock.instant())));
        f.clock.advance(Duration.ofDays(8));

        GcReport report = gc(false);

        assertThat(report.paths()).extracting(GcReport.GcPath::storePath).containsExactly(old.path().toString());
        assertThat(readable(app)).isTrue();
        assertThat(readable(dep)).as("in the closure of a root pushed a day ago").isTrue();
        assertThat(f.fakes.roots.list(team())).extracting(RootRecord::path).containsExactly(app.path());
    }

    @Test
    void aNarOutlivesItsLastNarinfoByTheGraceAndGoesInALaterCollection() {
        Fixture.Nar b = Fixture.nar("b");
        publish(b);
        retention("1d", "3d");
        f.clock.advance(Duration.ofDays(2));

        GcReport first = gc(false);

        assertThat(first.pathsCollected()).isEqualTo(1);
        assertThat(first.narsDoomed()).isEqualTo(1);
        assertThat(first.nars().getFirst().deleteAfter()).isEqualTo(f.clock.instant().plus(Duration.ofDays(3)));
        assertThat(readable(b)).isFalse();
        assertThat(narThere(b)).as("a client may hold the narinfo for a while").isTrue();

        f.clock.advance(Duration.ofDays(3).plusMinutes(1));
        GcReport later = gc(false);

        assertThat(later.narsDeleted()).isEqualTo(1);
        assertThat(narThere(b)).isFalse();
    }

    @Test
    void aPushThatNeedsAPathWhileItIsCollectingKeepsIt() {
        Fixture.Nar dep = Fixture.nar("dep");
        publish(dep);
        retention("1d", "0s");
        f.clock.advance(Duration.ofDays(2));
        Fixture.Nar app = Fixture.nar("app", dep.path());
        f.upload("team", app);
        // During the fence, as a concurrent push would: its publish takes dep back.
        f.pause = duration -> {
            f.clock.advance(duration.dividedBy(2));
            f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info())));
            f.clock.advance(duration.dividedBy(2));
        };

        GcReport report = gc(false);

        assertThat(report.pathsCollected()).isZero();
        assertThat(readable(dep)).isTrue();
        assertThat(readable(app)).isTrue();
        assertThat(narThere(dep)).isTrue();
        assertThat(f.paths.record(team(), dep.path().hash()).orElseThrow().state()).isEqualTo(PathState.PUBLISHED);
    }

    @Test
    void aVerifyingPathKeepsItsReferences() {
        Fixture.Nar dep = Fixture.nar("dep");
        publish(dep);
        Fixture.Nar big = Fixture.nar("big", dep.path());
        f.paths.putUnlessPublished(team(), new dev.nixfront.cache.port.PathRecord(PathInfos.toNarInfo(big.info(), "/nix/store", ""),
                PathState.VERIFYING, null, f.clock.instant(), "attempt"));
        retention("1d", "0s");
        f.clock.advance(Duration.ofHours(30));

        assertThat(gc(false).pathsCollected()).isZero();
        assertThat(readable(dep)).isTrue();
    }

    @Test
    void withASizeLimitTheOldestRootsClosuresGoFirst() {
        Fixture.Nar oldest = Fixture.nar("oldest");
        publish(oldest);
        f.clock.advance(Duration.ofHours(1));
        Fixture.Nar newer = Fixture.nar("newer");
        publish(newer);
        f.clock.advance(Duration.ofHours(1));
        Fixture.Nar newest = Fixture.nar("newest");
        publish(newest);
        long limit = newest.file().length + newer.file().length;
        f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(null, null, null, limit, "0s"));

        GcReport report = gc(false);

        assertThat(report.paths()).singleElement().satisfies(p -> {
            assertThat(p.storePath()).isEqualTo(oldest.path().toString());
            assertThat(p.reason()).startsWith("beyond the size limit");
        });
        assertThat(readable(newest)).isTrue();
        assertThat(readable(newer)).isTrue();
    }

    @Test
    void aNarTwoPathsShareStaysWhileOneOfThemIsKept() {
        Fixture.Nar kept = Fixture.nar("shared");
        Fixture.Nar twin = Fixture.nar("twin", Map.of("README", "contents of shared\n"), kept.compression());
        assertThat(twin.fileHash()).as("the same NAR under another name").isEqualTo(kept.fileHash());
        publish(kept, twin);
        pin("keep", kept);
        retention("1d", "0s");
        f.clock.advance(Duration.ofDays(2));

        GcReport report = gc(false);

        assertThat(report.pathsCollected()).isEqualTo(1);
        assertThat(readable(twin)).isFalse();
        assertThat(narThere(kept)).isTrue();
        assertThat(report.narsDeleted()).isZero();
    }

    /**
     * Found by the race test: a path published after the plan claimed a NAR the plan had seen as
     * an orphan, more than a fence before the NAR step; the collection judged the claim by the
     * plan's view (no such path, so a failed publish), dropped it and deleted the NAR under a
     * readable narinfo. Users are judged by their path items as they are at the NAR step.
     */
    @Test
    void aNarClaimedByAPathPublishedDuringTheCollectionStays() {
        Fixture.Nar c = Fixture.nar("c");
        retention("0s", "0s");
        // c's NAR is under nar/ already, named by no narinfo (as a crash between copy and narinfo leaves it).
        f.objects.put(Layout.nar(CacheName.of("team"), c.fileHash(), c.compression()), c.file(), Layout.NAR_CONTENT_TYPE,
                Layout.NAR_CACHE_CONTROL);
        Fixture.Nar b = Fixture.nar("b");
        publish(b);
        f.clock.advance(Duration.ofSeconds(1));
        f.pause = duration -> {
            publish(c);
            f.clock.advance(duration.plusSeconds(1));
        };

        GcReport report = gc(false);

        assertThat(report.pathsCollected()).isEqualTo(1);
        assertThat(readable(c)).isTrue();
        assertThat(narThere(c)).as("claimed by c, published while the collection ran").isTrue();
        everyNarIsUsed();
    }

    /**
     * Found by the race test: a path the plan saw rejected (a push of it had failed) was published
     * before the marking, counting on a reference the collection then marked; the collection looked
     * again only at paths its plan had not listed at all, and deleted the reference.
     */
    @Test
    void aPathPublishedOverItsRejectionDuringTheCollectionKeepsItsReferences() {
        Fixture.Nar dep = Fixture.nar("dep");
        publish(dep);
        Fixture.Nar app = Fixture.nar("app", dep.path());
        f.paths.putRejected(team(), new dev.nixfront.cache.port.PathRecord(PathInfos.toNarInfo(app.info(), "/nix/store", ""),
                PathState.REJECTED, "NotUploaded", f.clock.instant()), null);
        retention("0s", "0s");
        f.clock.advance(Duration.ofSeconds(1));
        f.upload("team", app);
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        f.paths.beforeTransition = () -> {
            if (once.compareAndSet(false, true)) {
                // Before the first mark: the publish of app finds dep published and counts on it.
                f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info())));
            }
        };

        gc(false);

        assertThat(readable(app)).isTrue();
        assertThat(readable(dep)).as("app, published meanwhile, needs it").isTrue();
        assertThat(narThere(dep)).isTrue();
    }

    private static Fixture.Nar withDeriver(Fixture.Nar nar, String deriver) {
        dev.nixfront.api.PathInfo i = nar.info();
        return nar.withInfo(new dev.nixfront.api.PathInfo(i.storePath(), i.narHash(), i.narSize(), i.fileHash(), i.fileSize(),
                i.compression(), i.references(), deriver, i.ca()));
    }

    @Test
    void theLogsOfRemovedPathsGoAndALogAKeptPathOfTheSameDerivationNamesStays() {
        String shared = "0123456789abcdfghijklmnpqrsvwxyz-a.drv";
        String gone = "1123456789abcdfghijklmnpqrsvwxyz-b.drv";
        String orphan = "2123456789abcdfghijklmnpqrsvwxyz-c.drv";
        Fixture.Nar a = withDeriver(Fixture.nar("a"), shared);
        Fixture.Nar aDoc = withDeriver(Fixture.nar("a-doc"), shared);
        Fixture.Nar b = withDeriver(Fixture.nar("b"), gone);
        publish(a, aDoc, b);
        // Logs as publish stores them; one whose path went long ago (a log written before its path's collection began).
        for (String drv : List.of(shared, gone, orphan)) {
            f.objects.store("team/log/" + drv, new byte[] {1}, Layout.LOG_CONTENT_TYPE, Layout.LOG_CACHE_CONTROL);
        }
        pin("release", a);
        retention("7d", "0s");
        f.clock.advance(Duration.ofDays(8));

        GcReport dry = gc(true);
        assertThat(dry.logsDeleted()).isEqualTo(2);
        assertThat(f.objects.listKeys("team/log/")).hasSize(3);

        GcReport report = gc(false);

        assertThat(report.pathsCollected()).as("aDoc and b").isEqualTo(2);
        assertThat(report.logsDeleted()).isEqualTo(2);
        assertThat(f.objects.listKeys("team/log/")).as("a, kept, names the shared deriver").containsExactly("team/log/" + shared);
    }

    @Test
    void aLogStoredDuringTheFenceForAPathPublishedMeanwhileStays() {
        Fixture.Nar old = withDeriver(Fixture.nar("old"), "3123456789abcdfghijklmnpqrsvwxyz-old.drv");
        publish(old);
        retention("7d", "0s");
        f.clock.advance(Duration.ofDays(8));
        Fixture.Nar fresh = withDeriver(Fixture.nar("fresh"), "4123456789abcdfghijklmnpqrsvwxyz-fresh.drv");
        f.pause = duration -> {
            publish(fresh);
            f.objects.store("team/log/" + fresh.info().deriver(), new byte[] {1}, Layout.LOG_CONTENT_TYPE, Layout.LOG_CACHE_CONTROL);
            f.clock.advance(duration);
        };

        GcReport report = gc(false);

        assertThat(report.pathsCollected()).isEqualTo(1);
        assertThat(f.objects.listKeys("team/log/")).containsExactly("team/log/" + fresh.info().deriver());
    }
}
