package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.GcRequest;
import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.PinRequest;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.RootsRequest;
import dev.nixfront.api.RootsResponse;
import dev.nixfront.api.UpdateCacheRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.NarRecord;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.NarInfo;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a publish does when it meets a collection (garbage collection or path deletion): a reference
 * the collection only marked is taken back, one it is deleting refuses the referrer, a NAR it is
 * deleting refuses the path, and every published path claims its NAR before its narinfo exists.
 */
class CollectionProtocolTest {
    private final Fixture f = new Fixture(CacheSettings.defaults("https://cache.example.org/").withCollectionFence(Duration.ofSeconds(10)));
    private final CacheRecord team;

    CollectionProtocolTest() {
        f.createCache("team");
        team = f.caches.get(CacheName.of("team")).orElseThrow();
    }

    private void publish(Fixture.Nar... nars) {
        f.uploadAll("team", nars);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(java.util.Arrays.stream(nars).map(Fixture.Nar::info).toList()));
    }

    private PathRecord record(Fixture.Nar nar) {
        return f.paths.record(team, nar.path().hash()).orElse(null);
    }

    private String narKey(Fixture.Nar nar) {
        return Layout.nar(team.name(), nar.fileHash(), nar.compression());
    }

    private boolean narInfoExists(Fixture.Nar nar) {
        return f.objects.head(Layout.narInfo(team.name(), nar.path().hash())).isPresent();
    }

    @Test
    void aPublishedPathHasClaimedItsNar() {
        Fixture.Nar dep = Fixture.nar("dep");
        publish(dep);
        NarRecord claimed = f.fakes.nars.get(team, List.of(narKey(dep))).get(narKey(dep));
        assertThat(claimed.users()).containsExactly(dep.path().hash());
        assertThat(claimed.claimedAt()).isEqualTo(f.clock.instant());
    }

    @Test
    void aReferrerTakesACollectingReferenceBack() {
        Fixture.Nar dep = Fixture.nar("dep");
        publish(dep);
        assertThat(f.paths.markCollecting(team, record(dep), "run1")).isTrue();
        assertThat(f.services.query().missing(ADMIN, "team", new MissingRequest(List.of(dep.path().hash().value()))).missing())
                .as("a collecting path is still there for a client").isEmpty();

        Fixture.Nar app = Fixture.nar("app", dep.path());
        publish(app);

        assertThat(record(dep).state()).isEqualTo(PathState.PUBLISHED);
        assertThat(record(app).state()).isEqualTo(PathState.PUBLISHED);
        assertThat(f.paths.markDeleting(team, dep.path().hash(), "run1")).as("its collection lost it").isFalse();
    }

    @Test
    void aPinTakesACollectingPathBack() {
        // Found by an outside review: a sweep reads the pins once and then deletes wave after wave, so a
        // pin that landed meanwhile was answered 200 while its path was deleted.
        Fixture.Nar dep = Fixture.nar("dep");
        publish(dep);
        assertThat(f.paths.markCollecting(team, record(dep), "run1")).isTrue();

        f.services.pins().put(ADMIN, "team", "release", new PinRequest(dep.path().toString(), null));

        assertThat(record(dep).state()).isEqualTo(PathState.PUBLISHED);
        assertThat(f.paths.markDeleting(team, dep.path().hash(), "run1")).as("its collection lost it").isFalse();
    }

    @Test
    void aRootReportTakesACollectingPathBack() {
        // A push whose paths were all there (collecting counts as there) reports its root; before, the
        // report said recorded and the sweep deleted the path right after.
        Fixture.Nar dep = Fixture.nar("dep");
        publish(dep);
        assertThat(f.paths.markCollecting(team, record(dep), "run1")).isTrue();

        RootsResponse answer = f.services.roots().record(ADMIN, "team", new RootsRequest(List.of(dep.path().toString())));

        assertThat(answer.recorded()).containsExactly(dep.path().toString());
        assertThat(record(dep).state()).isEqualTo(PathState.PUBLISHED);
        assertThat(f.paths.markDeleting(team, dep.path().hash(), "run1")).as("its collection lost it").isFalse();
    }

    @Test
    void aPinOrRootOfAPathBeingDeletedIsRefused() {
        Fixture.Nar dep = Fixture.nar("dep");
        publish(dep);
        f.paths.markCollecting(team, record(dep), "run1");
        f.paths.markDeleting(team, dep.path().hash(), "run1");

        DomainException refused = refusal(() -> f.services.pins().put(ADMIN, "team", "release", new PinRequest(dep.path().toString(), null)));
        RootsResponse answer = f.services.roots().record(ADMIN, "team", new RootsRequest(List.of(dep.path().toString())));

        assertThat(refused.kind()).isEqualTo(DomainException.Kind.CONFLICT);
        assertThat(answer.recorded()).isEmpty();
        assertThat(record(dep).state()).isEqualTo(PathState.DELETING);
    }

    @Test
    void aReferenceBeingDeletedRefusesTheReferrerBeforeItsNarinfoExists() {
        Fixture.Nar dep = Fixture.nar("dep");
        publish(dep);
        f.paths.markCollecting(team, record(dep), "run1");
        f.paths.markDeleting(team, dep.path().hash(), "run1");
        assertThat(f.services.query().missing(ADMIN, "team", new MissingRequest(List.of(dep.path().hash().value()))).missing())
                .containsExactly(dep.path().hash().value());

        Fixture.Nar app = Fixture.nar("app", dep.path());
        f.upload("team", app);
        DomainException refused = refusal(() -> f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info()))));

        assertThat(refused.kind()).isEqualTo(DomainException.Kind.CONFLICT);
        assertThat(refused.missing()).containsExactly(dep.path().baseName());
        assertThat(narInfoExists(app)).isFalse();
    }

    @Test
    void aPathBeingDeletedIsNotPublishedAgainUntilItIsGone() {
        Fixture.Nar dep = Fixture.nar("dep");
        publish(dep);
        f.paths.markCollecting(team, record(dep), "run1");
        f.paths.markDeleting(team, dep.path().hash(), "run1");

        DomainException refused = refusal(() -> f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(dep.info()))));

        assertThat(refused.kind()).isEqualTo(DomainException.Kind.CONFLICT);
        assertThat(refused.reason()).contains("being removed by a garbage collection");
        assertThat(record(dep).state()).isEqualTo(PathState.DELETING);
    }

    @Test
    void aNarBeingDeletedRefusesThePathAndItsNarinfoIsNeverWritten() {
        Fixture.Nar dep = Fixture.nar("dep");
        f.fakes.nars.doom(team, narKey(dep), f.clock.instant());
        assertThat(f.fakes.nars.startDeleting(team, narKey(dep), f.clock.instant(), "run1")).isTrue();
        f.upload("team", dep);

        DomainException refused = refusal(() -> f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(dep.info()))));

        assertThat(refused.field()).isEqualTo("paths[0].fileHash");
        assertThat(refused.reason()).contains("being deleted by a garbage collection");
        assertThat(narInfoExists(dep)).isFalse();
        assertThat(record(dep)).isNull();
    }

    @Test
    void aNarinfoWrittenTooLongAfterItsReferencesWereCheckedIsTakenBack() {
        Fixture.Nar dep = Fixture.nar("dep");
        publish(dep);
        Fixture.Nar app = Fixture.nar("app", dep.path());
        f.upload("team", app);
        String appNarInfo = Layout.narInfo(team.name(), app.path().hash());
        f.objects.afterWrite(key -> {
            if (key.equals("put " + appNarInfo)) {
                f.clock.advance(Duration.ofSeconds(6));
            }
        });

        DomainException refused = refusal(() -> f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info()))));

        assertThat(refused.reason()).contains("from checking its references to being indexed");
        assertThat(narInfoExists(app)).isFalse();
        assertThat(record(app)).isNull();
    }

    /**
     * Found by the race test: a collection deleted a NAR (and forgot its record) between a publish's
     * verification of it and its claim, and the claim, finding no record, succeeded: the narinfo then
     * named a NAR that was gone. The publish looks at the object again once it holds the claim.
     */
    @Test
    void aNarDeletedBetweenItsVerificationAndTheClaimRefusesThePath() {
        Fixture.Nar dep = Fixture.nar("dep");
        publish(dep);
        Fixture.Nar twin = Fixture.nar("twin", java.util.Map.of("README", "contents of dep\n"), dep.compression());
        String key = narKey(dep);
        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        f.objects.afterGet(got -> {
            if (got.equals(key) && once.compareAndSet(false, true)) {
                // What a collection does once nothing names the NAR: the object and its record go.
                f.objects.delete(key);
                f.fakes.nars.release(team, key, dep.path().hash(), dev.nixfront.cache.port.NarRegistry.ANY_CLAIM);
                f.fakes.nars.doom(team, key, f.clock.instant());
                f.fakes.nars.startDeleting(team, key, f.clock.instant(), "run1");
                f.fakes.nars.finishDeleting(team, key, "run1");
            }
        });

        DomainException refused = refusal(() -> f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(twin.info()))));

        assertThat(refused.reason()).contains("was deleted by a garbage collection while it was verified");
        assertThat(narInfoExists(twin)).isFalse();
        // The claim stays (another publish of the same path may hold it now): it names an object that
        // is not there, and the path is pushed again, which claims it for good.
        f.objects.afterGet(got -> { });
        f.upload("team", twin);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(twin.info())));
        assertThat(narInfoExists(twin)).isTrue();
        assertThat(f.objects.head(key)).isPresent();
        assertThat(f.fakes.nars.get(team, List.of(key)).get(key).users()).contains(twin.path().hash());
    }

    /**
     * Found by the race test: a publish whose index item was written long after its look at its
     * references was not in the collection's second listing, and the reference went. A publish that
     * gets indexed more than half a fence after its look takes itself back.
     */
    @Test
    void aPathIndexedTooLongAfterItsReferencesWereCheckedIsTakenBack() {
        Fixture.Nar dep = Fixture.nar("dep");
        publish(dep);
        Fixture.Nar app = Fixture.nar("app", dep.path());
        f.upload("team", app);
        String appNarInfo = Layout.narInfo(team.name(), app.path().hash());
        java.util.concurrent.atomic.AtomicBoolean narinfoWritten = new java.util.concurrent.atomic.AtomicBoolean();
        f.objects.afterWrite(key -> narinfoWritten.compareAndSet(false, key.equals("put " + appNarInfo)));
        f.fakes.paths.onPut = () -> {
            if (narinfoWritten.get()) {
                f.clock.advance(Duration.ofSeconds(6));
            }
        };

        DomainException refused = refusal(() -> f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info()))));

        assertThat(refused.reason()).contains("from checking its references to being indexed");
        assertThat(narInfoExists(app)).isFalse();
        assertThat(record(app)).isNull();
    }

    private NarInfo narInfo(Fixture.Nar nar) {
        return PathInfos.toNarInfo(nar.info(), f.settings.storeDir(), "");
    }

    /** A publisher wired as {@link Services} wires it, for writing placed paths one step at a time. */
    private PathPublisher publisher() {
        return publisher(f.fakes.ports().paths());
    }

    private PathPublisher publisher(dev.nixfront.cache.port.PathIndex index) {
        var ports = f.fakes.ports();
        return new PathPublisher(ports.caches(), ports.objects(), index, ports.nars(), new SigningKeys(ports.keys()),
                ports.metrics(), f.clock, f.settings.storeDir(), new IndexRepair(ports.objects(), ports.paths(), f.clock,
                f.settings.storeDir()), f.settings.collectionFence(), ports.usage(),
                new UpstreamCheck(ports.upstreams(), f.clock, f.settings.upstreams(), f.settings.storeDir()));
    }

    /**
     * A chain published in one request reads no reference back before each narinfo: the write that
     * indexed the reference a moment ago is the look (in AWS that is a round trip less per path of
     * a one-chain closure). The only index read is the batch's own.
     */
    @Test
    void aChainPublishedInOneRequestReadsNoReferenceBack() {
        Fixture.Nar a = Fixture.nar("a");
        Fixture.Nar b = Fixture.nar("b", a.path());
        Fixture.Nar c = Fixture.nar("c", b.path(), a.path());
        f.uploadAll("team", a, b, c);
        long before = f.fakes.paths.keysRead();

        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(c.info(), b.info(), a.info())));

        assertThat(f.fakes.paths.keysRead() - before).as("the batch's own lookup, and no look per path").isEqualTo(3);
        assertThat(List.of(record(a), record(b), record(c))).allSatisfy(r -> assertThat(r.state()).isEqualTo(PathState.PUBLISHED));
        assertThat(List.of(a, b, c)).allSatisfy(n -> assertThat(narInfoExists(n)).isTrue());
    }

    /**
     * A path verified long before its turn (behind a large NAR, say) neither trusts its own claim nor
     * its reference's write once they are a quarter fence old: it claims again and looks again, so
     * that what is left of the half fence is enough for its writes. Younger ones are reused.
     */
    @Test
    void anOldClaimAndAnOldOwnWriteAreMadeAgainAndYoungOnesReused() throws VerificationFailure {
        PathPublisher publisher = publisher();
        Fixture.Nar dep = Fixture.nar("dep");
        Fixture.Nar app = Fixture.nar("app", dep.path());
        Fixture.Nar late = Fixture.nar("late", dep.path());
        f.uploadAll("team", dep, app, late);
        PathPublisher.Indexed indexed = new PathPublisher.Indexed();
        List<PathPublisher.Written> written = new java.util.ArrayList<>();
        java.time.Instant placedAt = f.clock.instant();
        PathPublisher.Placed depPlaced = publisher.verifyAndPlace(team, narInfo(dep));
        PathPublisher.Placed appPlaced = publisher.verifyAndPlace(team, narInfo(app));
        PathPublisher.Placed latePlaced = publisher.verifyAndPlace(team, narInfo(late));
        publisher.write(team, depPlaced, written, new UpstreamCheck.Answers(), indexed);

        f.clock.advance(Duration.ofSeconds(2)); // under a quarter of the 10 s fence
        long before = f.fakes.paths.keysRead();
        publisher.write(team, appPlaced, written, new UpstreamCheck.Answers(), indexed);
        assertThat(f.fakes.paths.keysRead() - before).as("dep's own write counts as the look").isZero();
        assertThat(f.fakes.nars.get(team, List.of(narKey(app))).get(narKey(app)).claimedAt()).isEqualTo(placedAt);

        f.clock.advance(Duration.ofSeconds(1)); // three seconds: past a quarter fence
        before = f.fakes.paths.keysRead();
        publisher.write(team, latePlaced, written, new UpstreamCheck.Answers(), indexed);
        assertThat(f.fakes.paths.keysRead() - before).as("dep looked at again").isEqualTo(1);
        assertThat(f.fakes.nars.get(team, List.of(narKey(late))).get(narKey(late)).claimedAt()).isEqualTo(f.clock.instant());
        assertThat(List.of(record(dep), record(app), record(late))).allSatisfy(r -> assertThat(r.state()).isEqualTo(PathState.PUBLISHED));
    }

    /**
     * The writes are timed from the claim when it is older than the look: a NAR claimed at
     * placement that then waited long enough for a collection to drop the claim (a fence) would
     * otherwise get a narinfo naming an object that may be gone.
     */
    @Test
    void theWritesAreTimedFromAnEarlierClaim() throws VerificationFailure {
        PathPublisher publisher = publisher();
        Fixture.Nar dep = Fixture.nar("dep");
        f.upload("team", dep);
        PathPublisher.Placed placed = publisher.verifyAndPlace(team, narInfo(dep));
        f.clock.advance(Duration.ofSeconds(2));
        String narInfo = Layout.narInfo(team.name(), dep.path().hash());
        f.objects.afterWrite(key -> {
            if (key.equals("put " + narInfo)) {
                f.clock.advance(Duration.ofMillis(3_500)); // 5.5 s after the claim, 3.5 s after the look
            }
        });

        DomainException refused = refusal(() -> publisher.write(team, placed, new java.util.ArrayList<>(), new UpstreamCheck.Answers(),
                new PathPublisher.Indexed()));

        assertThat(refused.reason()).contains("from checking its references to being indexed");
        assertThat(narInfoExists(dep)).isFalse();
        assertThat(record(dep)).isNull();
    }

    /**
     * Found by the outside review of the early claim: a path this batch wrote whose index write a
     * collection refused (the item was deleting) and whose item was gone by the look after it was
     * taken as indexed without an item: its narinfo stayed with no item (no collection would ever
     * remove it, and its NAR's claim looked like a failed publish's), and its referrer in the batch,
     * trusting the write, skipped its look. The second review found that taking the narinfo back
     * instead could delete it under another publish that had found it and indexed the path: the
     * item is written again, so the narinfo has its item and the referrer's trust is earned.
     */
    @Test
    void aPathWhoseItemACollectionRemovesAroundItsIndexWriteIsIndexedAgain() throws VerificationFailure {
        PathPublisher publisher = publisher();
        Fixture.Nar dep = Fixture.nar("dep");
        Fixture.Nar app = Fixture.nar("app", dep.path());
        f.uploadAll("team", dep, app);
        PathPublisher.Placed depPlaced = publisher.verifyAndPlace(team, narInfo(dep));
        PathPublisher.Placed appPlaced = publisher.verifyAndPlace(team, narInfo(app));
        beingDeleted(depPlaced.unsigned());
        f.paths.onRefusedPut = r -> {
            if (r.hash().equals(dep.path().hash())) {
                f.paths.deleteDeleting(team, dep.path().hash(), "run1"); // the collection goes on: the item goes
            }
        };
        PathPublisher.Indexed indexed = new PathPublisher.Indexed();
        List<PathPublisher.Written> written = new java.util.ArrayList<>();

        publisher.write(team, depPlaced, written, new UpstreamCheck.Answers(), indexed);
        publisher.write(team, appPlaced, written, new UpstreamCheck.Answers(), indexed);

        assertThat(record(dep).state()).isEqualTo(PathState.PUBLISHED);
        assertThat(narInfoExists(dep)).as("the narinfo has its item").isTrue();
        assertThat(indexed.at(dep.path())).isNotNull();
        assertThat(record(app).state()).isEqualTo(PathState.PUBLISHED);
        assertThat(narInfoExists(app)).isTrue();
    }

    /**
     * Found by the second outside review: a publish whose index write was refused and whose re-read
     * found the item gone took back the narinfo it had written; another publish of the path had
     * found that narinfo meanwhile and indexed the path, which then said published with no narinfo,
     * and a referrer went through against it. The refused publish now writes the item again, finds
     * the other's, and leaves the narinfo alone.
     */
    @Test
    void aRefusedPublishDoesNotTakeBackANarinfoAnotherPublishIndexed() throws VerificationFailure {
        Fixture.Nar dep = Fixture.nar("dep");
        f.upload("team", dep);
        java.util.concurrent.atomic.AtomicReference<Runnable> afterGet = new java.util.concurrent.atomic.AtomicReference<>();
        PathPublisher x = publisher(hookedGets(afterGet));
        PathPublisher z = publisher();
        PathPublisher.Placed xPlaced = x.verifyAndPlace(team, narInfo(dep));
        PathPublisher.Placed zPlaced = z.verifyAndPlace(team, narInfo(dep));
        beingDeleted(xPlaced.unsigned());
        f.paths.onRefusedPut = r -> {
            f.paths.onRefusedPut = rr -> { };
            f.paths.deleteDeleting(team, dep.path().hash(), "run1");
            // z, between x's look (no item) and what x does next.
            afterGet.set(() -> assertThat(z.write(team, zPlaced, new java.util.ArrayList<>(), new UpstreamCheck.Answers(),
                    new PathPublisher.Indexed()).state()).isEqualTo(PathState.PUBLISHED));
        };

        x.write(team, xPlaced, new java.util.ArrayList<>(), new UpstreamCheck.Answers(), new PathPublisher.Indexed());
        Fixture.Nar app = Fixture.nar("app", dep.path());
        f.upload("team", app);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info())));

        assertThat(record(dep).state()).isEqualTo(PathState.PUBLISHED);
        assertThat(narInfoExists(dep)).as("a readable narinfo's reference must be readable").isTrue();
        assertThat(narInfoExists(app)).isTrue();
    }

    /**
     * Found by the second outside review: a path from before the sharded NAR keys whose index item
     * was lost (a crash between narinfo and item) and which was pushed again got an item naming the
     * sharded key while its readable narinfo names the unsharded object; collections judge NARs by
     * the items, and deleted the object Nix is sent to. The item now copies the narinfo it found.
     */
    @Test
    void aPathPushedAgainOverANarinfoFromBeforeTheShardedKeysKeepsItsNar() throws Exception {
        Fixture.Nar p = Fixture.nar("p");
        String unsharded = placeUnsharded(p);
        f.upload("team", p);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(p.info())));
        assertThat(record(p).state()).isEqualTo(PathState.PUBLISHED);
        assertThat(record(p).info().url()).as("the item's URL").isEqualTo(unsharded);

        f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(null, null, "7d", null, "0s"));
        f.services.gc().collect(ADMIN, "team", new GcRequest(false));

        assertThat(f.objects.object("team/" + unsharded)).as("the NAR the readable narinfo names").isPresent();
    }

    /**
     * Another push published the path; collection "run1" marked it, waited its fence and is deleting
     * it (its narinfo is gone, its item is next).
     */
    private void beingDeleted(NarInfo info) {
        PathRecord theirs = new PathRecord(info, PathState.PUBLISHED, null, f.clock.instant().minusSeconds(60));
        assertThat(f.paths.putUnlessPublished(team, theirs)).isTrue();
        assertThat(f.paths.markCollecting(team, theirs, "run1")).isTrue();
        assertThat(f.paths.markDeleting(team, info.storePath().hash(), "run1")).isTrue();
    }

    /** A path published before the NAR keys were sharded: its NAR and its narinfo, and no index item. Returns the URL. */
    private String placeUnsharded(Fixture.Nar p) throws Exception {
        String unsharded = "nar/" + p.fileHash().toNix32() + ".nar.zst";
        NarInfo before = NarInfo.builder(p.path()).url(unsharded).compression(Compression.ZSTD)
                .fileHash(p.fileHash()).fileSize(p.file().length).narHash(dev.nixfront.nix.Hash.parse(p.info().narHash()))
                .narSize(p.info().narSize()).references(List.of()).build()
                .sign(new SigningKeys(f.fakes.ports().keys()).of(team));
        f.objects.putIfAbsent("team/" + unsharded, p.file(), Layout.NAR_CONTENT_TYPE, Layout.NAR_CACHE_CONTROL);
        f.objects.putIfAbsent(Layout.narInfo(team.name(), p.path().hash()), before.render().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Layout.NARINFO_CONTENT_TYPE, Layout.NARINFO_CACHE_CONTROL);
        return unsharded;
    }

    /** The fake index, running {@code afterGet} once after its next get (a test interleaves another publish there). */
    private dev.nixfront.cache.port.PathIndex hookedGets(java.util.concurrent.atomic.AtomicReference<Runnable> afterGet) {
        dev.nixfront.cache.port.PathIndex real = f.paths;
        return (dev.nixfront.cache.port.PathIndex) java.lang.reflect.Proxy.newProxyInstance(dev.nixfront.cache.port.PathIndex.class.getClassLoader(),
                new Class<?>[] {dev.nixfront.cache.port.PathIndex.class}, (proxy, method, args) -> {
                    try {
                        Object result = method.invoke(real, args);
                        Runnable r = method.getName().equals("get") ? afterGet.getAndSet(null) : null;
                        if (r != null) {
                            r.run();
                        }
                        return result;
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /**
     * Found by the outside review of the early claim: a publish whose claim found the NAR gone (a
     * collection deleted it just before) released the path's claim, and so a claim a second publish
     * of the same path had made a moment later on the object it copied there: with the claim made
     * when the NAR is placed, a collection could then delete that object before the second publish
     * wrote a narinfo naming it. A claim is no longer released; a collection drops it, or the path's
     * next publish renews it.
     */
    @Test
    void aClaimThatFindsTheNarGoneKeepsASecondPublishsClaimOfThatPath() throws VerificationFailure {
        PathPublisher publisher = publisher();
        Fixture.Nar x = Fixture.nar("x");
        f.upload("team", x); // the second publish's upload, in staging
        f.objects.putIfAbsent(narKey(x), x.file(), Layout.NAR_CONTENT_TYPE, Layout.NAR_CACHE_CONTROL); // from before
        java.util.concurrent.atomic.AtomicInteger heads = new java.util.concurrent.atomic.AtomicInteger();
        PathPublisher.Placed[] second = new PathPublisher.Placed[1];
        f.objects.beforeHead(key -> {
            if (key.equals(narKey(x)) && heads.get() == 1) {
                f.objects.delete(narKey(x)); // a collection deleted it after the first publish verified it
            }
        });
        f.objects.afterHead(key -> {
            if (key.equals(narKey(x)) && heads.incrementAndGet() == 2) {
                try {
                    second[0] = publisher.verifyAndPlace(team, narInfo(x)); // copies its upload there, claims
                } catch (VerificationFailure e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        PathPublisher.Placed first = publisher.verifyAndPlace(team, narInfo(x));
        f.objects.beforeHead(key -> { });
        f.objects.afterHead(key -> { });
        assertThat(first.refused().reason()).contains("was deleted by a garbage collection while it was verified");
        assertThat(second[0].refused()).isNull();

        // A collection while the second publish waits for its turn to write.
        f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(null, null, "7d", null, "0s"));
        f.services.gc().collect(ADMIN, "team", new GcRequest(false));
        publisher.write(team, second[0], new java.util.ArrayList<>(), new UpstreamCheck.Answers(), new PathPublisher.Indexed());

        assertThat(narInfoExists(x)).isTrue();
        assertThat(f.objects.head(narKey(x))).as("the NAR its narinfo names").isPresent();
    }

    /**
     * Found by the outside review of the early claim: a path placed (its NAR claimed) in a batch that
     * stopped before its narinfo, and then published by another push with another NAR (a build that
     * is not reproducible), left a claim on the first NAR by a path that is readable: a collection
     * kept that object forever, although no narinfo names it. A user whose readable path names
     * another NAR is a failed publish's, like one whose path is not readable.
     */
    @Test
    void aClaimByAPathPublishedWithAnotherNarDoesNotKeepTheFirstOneForever() throws VerificationFailure {
        Fixture.Nar first = Fixture.nar("x", java.util.Map.of("README", "first build\n"), Compression.ZSTD);
        Fixture.Nar second = Fixture.nar("x", java.util.Map.of("README", "second build\n"), Compression.ZSTD);
        assertThat(second.path()).isEqualTo(first.path());
        f.upload("team", first);
        PathPublisher.Placed placed = publisher().verifyAndPlace(team, narInfo(first)); // its batch stops here
        assertThat(placed.refused()).isNull();
        publish(second);
        f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(null, null, "7d", null, "0s"));
        f.clock.advance(Duration.ofSeconds(11)); // the claim is older than a fence

        f.services.gc().collect(ADMIN, "team", new GcRequest(false));

        assertThat(f.objects.head(narKey(first))).as("the NAR no narinfo names").isEmpty();
        assertThat(f.objects.head(narKey(second))).as("the NAR x's narinfo names").isPresent();
        assertThat(narInfoExists(second)).isTrue();
    }

    /**
     * Found by the second outside review: the collection compared a user's NAR by the key a publish
     * would place it under now, not by the URL its item names (GarbageCollector.narKey, "sharded or
     * from before"). A path from before the sharded keys,
     * its item lost, is placed again (its NAR copied to the sharded key and claimed) in a batch that
     * stops; its item is then rebuilt from its narinfo (URL unsharded). The claim on the sharded copy,
     * which no narinfo names, is by a readable path "naming" that key, and keeps it forever.
     */
    @Test
    void aClaimOnAShardedCopyOfAPreShardPathKeepsItForever() throws Exception {
        Fixture.Nar p = Fixture.nar("p");
        dev.nixfront.nix.Hash fileHash = p.fileHash();
        String unsharded = "nar/" + fileHash.toNix32() + ".nar.zst";
        NarInfo before = NarInfo.builder(p.path()).url(unsharded).compression(Compression.ZSTD)
                .fileHash(fileHash).fileSize(p.file().length).narHash(dev.nixfront.nix.Hash.parse(p.info().narHash()))
                .narSize(p.info().narSize()).references(List.of()).build()
                .sign(new SigningKeys(f.fakes.ports().keys()).of(team));
        f.objects.putIfAbsent("team/" + unsharded, p.file(), Layout.NAR_CONTENT_TYPE, Layout.NAR_CACHE_CONTROL);
        f.objects.putIfAbsent(Layout.narInfo(team.name(), p.path().hash()), before.render().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Layout.NARINFO_CONTENT_TYPE, Layout.NARINFO_CACHE_CONTROL);
        f.upload("team", p);
        PathPublisher.Placed placed = publisher().verifyAndPlace(team, narInfo(p)); // its batch stops here
        assertThat(placed.refused()).isNull();
        String sharded = Layout.nar(team.name(), fileHash, Compression.ZSTD);
        assertThat(f.objects.head(sharded)).isPresent();
        // A referrer's publish repairs p's item from its narinfo.
        Fixture.Nar app = Fixture.nar("app", p.path());
        f.upload("team", app);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info())));
        assertThat(record(p).info().url()).isEqualTo(unsharded);

        f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(null, null, "7d", null, "0s"));
        f.clock.advance(Duration.ofSeconds(11)); // the claim is older than a fence
        f.services.gc().collect(ADMIN, "team", new GcRequest(false));

        assertThat(f.objects.object("team/" + unsharded)).as("the NAR p's narinfo names").isPresent();
        assertThat(f.objects.head(sharded)).as("the sharded copy no narinfo names").isEmpty();
    }
}
