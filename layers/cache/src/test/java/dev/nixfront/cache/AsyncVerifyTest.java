package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.PathStatus;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResult;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.VerifyJob;
import dev.nixfront.nix.Hash;
import java.util.List;
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
        assertThat(job.paths()).extracting(p -> p.storePath()).containsExactly(dep.path().toString(), app.path().toString());

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
        assertThat(f.queue.jobs().get(0).paths()).hasSize(1);
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
}
