package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.Json;
import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PathStatus;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResult;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.VerifyJob;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.StorePath;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AsyncVerifyTest {
    private static final CacheName TEAM = CacheName.of("team");

    @Test
    void aNarAboveTheInlineBoundIsQueuedWithItsReferrersAndPublishedByTheJob() {
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        f.createCache("team");
        Fixture.Nar dep = nar("dep");
        Fixture.Nar app = nar("app", dep.path());
        f.uploadAll("team", dep, app);

        var response = f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info(), dep.info())));

        assertThat(response.results()).extracting(PublishResult::state).containsExactly("verifying", "verifying");
        assertThat(f.objects.keys()).noneMatch(k -> k.endsWith(".narinfo"));
        assertThat(f.services.query().status(ADMIN, "team", app.path().hash().value()))
                .isEqualTo(new PathStatus(app.path().hash().value(), "verifying", null));
        VerifyJob job = f.queue.jobs().get(0);
        assertThat(job.cache()).isEqualTo("team");
        assertThat(job.storeHashes()).containsExactly(dep.path().hash().value(), app.path().hash().value());

        var outcomes = f.services.verify().run(job);

        assertThat(outcomes).extracting(VerifyService.Outcome::state).containsExactly(PathState.PUBLISHED, PathState.PUBLISHED);
        assertThat(f.objects.object("team/" + app.path().hash() + ".narinfo")).isPresent();
        assertThat(f.services.query().status(ADMIN, "team", app.path().hash().value()).state()).isEqualTo("published");
    }

    @Test
    void theBatchBudgetSendsTheRestToTheQueueInlineOnesArePublishedAtOnce() {
        Fixture.Nar a = nar("a");
        Fixture.Nar b = nar("b");
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withInlineBatchBudgetBytes(
                Math.max(a.file().length, a.info().narSize())));
        f.createCache("team");
        f.uploadAll("team", a, b);

        var response = f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(a.info(), b.info())));

        assertThat(response.results()).extracting(PublishResult::state).containsExactly("published", "verifying");
        assertThat(f.queue.jobs()).hasSize(1);
        assertThat(f.queue.jobs().get(0).storeHashes()).containsExactly(b.path().hash().value());
    }

    @Test
    void aFailingJobRecordsTheRejectionWithItsReasonAndRejectsReferrers() {
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        f.createCache("team");
        Fixture.Nar dep = nar("dep");
        Fixture.Nar app = nar("app", dep.path());
        f.uploadAll("team", dep, app);
        Fixture.Nar lyingDep = dep.withInfo(PublishServiceTest.with(dep.info(), dep.info().fileHash(), dep.info().fileSize(),
                Hash.sha256(new byte[3]).toString(), dep.info().narSize()));

        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(lyingDep.info(), app.info())));
        var outcomes = f.services.verify().run(f.queue.jobs().get(0));

        assertThat(outcomes).extracting(VerifyService.Outcome::state).containsExactly(PathState.REJECTED, PathState.REJECTED);
        PathStatus depStatus = f.services.query().status(ADMIN, "team", dep.path().hash().value());
        assertThat(depStatus.state()).isEqualTo("rejected");
        assertThat(depStatus.reason()).startsWith("narHash:");
        assertThat(f.services.query().status(ADMIN, "team", app.path().hash().value()).reason())
                .contains(dep.path().baseName()).contains("rejected");
        assertThat(f.objects.keys()).noneMatch(k -> k.endsWith(".narinfo"));
        assertThat(f.paths.record(TEAM, app.path().hash()).orElseThrow().state()).isEqualTo(PathState.REJECTED);
    }

    @Test
    void aJobRunTwiceIsHarmlessAndAJobForADeletedCacheWritesNothing() {
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        f.createCache("team");
        Fixture.Nar one = nar("one");
        f.upload("team", one);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(one.info())));
        VerifyJob job = f.queue.jobs().get(0);

        f.services.verify().run(job);
        int writes = f.objects.writes().size();
        f.objects.afterGet(key -> {
            throw new AssertionError("a job delivered again must not read " + key);
        });
        assertThat(f.services.verify().run(job)).extracting(VerifyService.Outcome::state).containsExactly(PathState.PUBLISHED);
        assertThat(f.objects.writes()).hasSize(writes);

        f.objects.afterGet(key -> { });
        f.services.caches().delete(ADMIN, "team");
        assertThat(f.services.verify().run(job)).extracting(VerifyService.Outcome::state).containsExactly(PathState.REJECTED);
        assertThat(f.objects.keys()).isEmpty();
    }

    @Test
    void aReferenceStillVerifyingIsNotEnoughForALaterBatch() {
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        f.createCache("team");
        Fixture.Nar dep = nar("dep");
        Fixture.Nar app = nar("app", dep.path());
        f.uploadAll("team", dep, app);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(dep.info())));

        DomainException e = null;
        try {
            f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info())));
        } catch (DomainException ex) {
            e = ex;
        }
        assertThat(e).isNotNull();
        assertThat(e.status()).isEqualTo(409);
        assertThat(e.reason()).contains("still verifying");
        assertThat(e.missing()).containsExactly(dep.path().baseName());
    }

    @Test
    void aJobOfTwoHundredPathsWithLongReferenceListsStaysFarBelowLambdasAsyncPayloadLimit() throws Exception {
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        f.createCache("team");
        // Each path refers to every earlier one, under a long name: ~3.7 MB of narinfos in all.
        List<Fixture.Nar> nars = new ArrayList<>();
        List<StorePath> earlier = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Fixture.Nar nar = nar(String.format("p%03d-", i) + "x".repeat(180), earlier.toArray(StorePath[]::new));
            nars.add(nar);
            earlier.add(nar.path());
        }
        List<PathInfo> infos = nars.stream().map(Fixture.Nar::info).toList().reversed();
        assertThat(Json.writeBytes(Map.of("cache", "team", "paths", infos)).length).isGreaterThan(256 * 1024);

        var response = f.services.publish().publish(ADMIN, "team", new PublishRequest(infos));

        assertThat(response.results()).extracting(PublishResult::state).containsOnly("verifying");
        VerifyJob job = f.queue.jobs().getFirst();
        assertThat(job.storeHashes()).containsExactlyElementsOf(nars.stream().map(n -> n.path().hash().value()).toList());
        assertThat(Json.writeBytes(job).length).isLessThan(8 * 1024);
        assertThat(Json.read(Json.write(job), VerifyJob.class)).isEqualTo(job);
    }

    @Test
    void aHashWithoutARecordIsReportedAndSkippedTheOthersAreStillVerified() {
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        f.createCache("team");
        Fixture.Nar one = nar("one");
        f.upload("team", one);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(one.info())));
        String unknown = nar("never-published").path().hash().value();

        var outcomes = f.services.verify().run(new VerifyJob("team", f.caches.get(CacheName.of("team")).orElseThrow().incarnation(), List.of(unknown, one.path().hash().value())));

        assertThat(outcomes).containsExactly(
                new VerifyService.Outcome(unknown, null, "no index record for this hash: skipped"),
                new VerifyService.Outcome(one.path().toString(), PathState.PUBLISHED, null));
        assertThat(f.paths.record(TEAM, nar("never-published").path().hash())).isEmpty();
        assertThat(f.objects.keys()).filteredOn(k -> k.endsWith(".narinfo")).containsExactly("team/" + one.path().hash() + ".narinfo");
    }

    @Test
    void aJobDeliveredAgainAfterARejectionKeepsItAndItsReferrersRejectedWithoutVerifyingAgain() {
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        f.createCache("team");
        Fixture.Nar dep = nar("dep");
        Fixture.Nar app = nar("app", dep.path());
        f.uploadAll("team", dep, app);
        Fixture.Nar lyingDep = dep.withInfo(PublishServiceTest.with(dep.info(), dep.info().fileHash(), dep.info().fileSize(),
                Hash.sha256(new byte[3]).toString(), dep.info().narSize()));
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(lyingDep.info(), app.info())));
        VerifyJob job = f.queue.jobs().getFirst();
        var first = f.services.verify().run(job);
        f.objects.afterGet(key -> {
            throw new AssertionError("a rejected path must not be read again: " + key);
        });

        var again = f.services.verify().run(job);

        assertThat(again).isEqualTo(first);
        assertThat(again).extracting(VerifyService.Outcome::state).containsExactly(PathState.REJECTED, PathState.REJECTED);
        assertThat(f.objects.keys()).noneMatch(k -> k.endsWith(".narinfo"));
    }

    @Test
    void aJobIsReadOnlyWithValidStoreHashesAndAtMostABatchOfThem() throws Exception {
        assertThat(Json.read("{\"cache\":\"team\",\"storeHashes\":[\"0123456789abcdfghijklmnpqrsvwxyz\"]}", VerifyJob.class))
                .isEqualTo(new VerifyJob("team", null, List.of("0123456789abcdfghijklmnpqrsvwxyz")));
        assertThatThrownBy(() -> new VerifyJob("team", null, List.of("not-a-hash")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VerifyJob("team", null, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new VerifyJob("team", null,
                Collections.nCopies(PublishRequest.MAX + 1, "0123456789abcdfghijklmnpqrsvwxyz")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
