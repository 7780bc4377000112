package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResponse;
import dev.nixfront.api.PublishResult;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.sign.SecretKey;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The index heals: a crash between the narinfo write and the index write (simulated by forgetting
 * the item) used to leave a readable path that only a resend of its original info could index;
 * referrers got 409 forever. Publish now rebuilds the item from the narinfo object, and status
 * answers from it.
 */
class IndexRepairTest {
    private static final CacheName TEAM = CacheName.of("team");

    private final Fixture f = new Fixture();

    private PublishResponse publish(Fixture.Nar... nars) {
        return f.services.publish().publish(ADMIN, "team", new PublishRequest(Arrays.stream(nars).map(Fixture.Nar::info).toList()));
    }

    private String state(Fixture.Nar nar) {
        return f.services.query().status(ADMIN, "team", nar.path().hash().value()).state();
    }

    @Test
    void aLostIndexItemIsRebuiltByTheNextPublishOfAReferrerWithoutTheOriginalInfo() {
        f.createCache("team");
        Fixture.Nar dep = nar("dep");
        Fixture.Nar app = nar("app", dep.path());
        f.uploadAll("team", dep, app);
        publish(dep);
        PathRecord published = f.paths.record(TEAM, dep.path().hash()).orElseThrow();
        f.paths.forget(TEAM, dep.path().hash());
        // missing stays index-only: it calls dep missing until something repairs it.
        assertThat(f.services.query().missing(ADMIN, "team", new MissingRequest(List.of(dep.path().hash().value())))
                .missing()).containsExactly(dep.path().hash().value());

        assertThat(publish(app).results()).containsExactly(new PublishResult(app.path().toString(), "published"));

        PathRecord rebuilt = f.paths.record(TEAM, dep.path().hash()).orElseThrow();
        assertThat(rebuilt.state()).isEqualTo(PathState.PUBLISHED);
        assertThat(rebuilt.info()).isEqualTo(published.info());
        assertThat(f.services.query().missing(ADMIN, "team", new MissingRequest(List.of(dep.path().hash().value())))
                .missing()).isEmpty();
    }

    @Test
    void statusSeesThroughALostItemAndARejectionThatCameAfterTheCrashWithoutWriting() {
        f.createCache("team");
        Fixture.Nar one = nar("one");
        f.upload("team", one);
        publish(one);
        f.paths.forget(TEAM, one.path().hash());
        int writes = f.paths.writes().size();
        assertThat(state(one)).isEqualTo("published");
        // The query function only reads the table: the next publish that meets the path writes it.
        assertThat(f.paths.record(TEAM, one.path().hash())).isEmpty();
        assertThat(f.paths.writes()).hasSize(writes);

        // A later failing request may record a rejection over the unindexed path: the narinfo still wins.
        f.paths.forget(TEAM, one.path().hash());
        PathRecord rejected = new PathRecord(narInfoOf(one), PathState.REJECTED, "nope", f.clock.instant());
        f.paths.putRejected(f.caches.get(TEAM).orElseThrow(), rejected, null);
        assertThat(state(one)).isEqualTo("published");
    }

    @Test
    void aNarinfoNotSignedByTheCachesKeyIsNotIndexed() {
        f.createCache("team");
        Fixture.Nar one = nar("one");
        f.upload("team", one);
        publish(one);
        NarInfo foreign = narInfoOf(one).toBuilder().sigs(List.of()).build()
                .sign(SecretKey.fromSeed("team-1", new byte[32]));
        f.objects.put("team/" + one.path().hash() + ".narinfo", foreign.render().getBytes(StandardCharsets.UTF_8),
                Layout.NARINFO_CONTENT_TYPE, Layout.NARINFO_CACHE_CONTROL);
        f.paths.forget(TEAM, one.path().hash());

        assertThat(state(one)).isEqualTo("absent");
        assertThat(f.paths.record(TEAM, one.path().hash())).isEmpty();
    }

    @Test
    void aRebuildWithOtherInfoIsA409ThatIndexesThePublishedPathSoReferrersGoThrough() {
        f.createCache("team");
        Fixture.Nar dep = nar("dep");
        f.upload("team", dep);
        publish(dep);
        f.paths.forget(TEAM, dep.path().hash());
        // A non-reproducible rebuild: same store path, other bytes.
        Fixture.Nar rebuilt = Fixture.nar("dep", Map.of("README", "built again, differently\n"), Compression.ZSTD);
        f.upload("team", rebuilt);

        assertThatThrownBy(() -> publish(rebuilt)).isInstanceOfSatisfying(DomainException.class,
                e -> assertThat(e.status()).isEqualTo(409));

        assertThat(f.services.query().missing(ADMIN, "team", new MissingRequest(List.of(dep.path().hash().value())))
                .missing()).isEmpty();
        Fixture.Nar app = nar("app", dep.path());
        f.upload("team", app);
        assertThat(publish(app).results()).extracting(PublishResult::state).containsExactly("published");
    }

    @Test
    void aReferenceStuckVerifyingPastItsDeadlineIsQueuedAgainByTheNextPush() {
        Fixture g = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        g.createCache("team");
        Fixture.Nar dep = nar("dep");
        Fixture.Nar app = nar("app", dep.path());
        g.uploadAll("team", dep, app);
        g.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(dep.info())));
        assertThat(g.queue.jobs()).hasSize(1);
        // Its job is lost. Within the deadline a referrer waits, and nothing is queued again.
        assertThatThrownBy(() -> g.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info()))))
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.reason()).contains("1 still verifying)"));
        assertThat(g.queue.jobs()).hasSize(1);

        g.clock.advance(CacheSettings.VERIFY_DEADLINE.plus(Duration.ofSeconds(1)));
        assertThatThrownBy(() -> g.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info()))))
                .isInstanceOfSatisfying(DomainException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.reason()).contains("queued again");
                });
        assertThat(g.queue.jobs()).hasSize(2);
        assertThat(g.queue.jobs().get(1).storeHashes()).containsExactly(dep.path().hash().value());

        g.services.verify().run(g.queue.jobs().get(1));
        assertThat(g.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info()))).results())
                .extracting(PublishResult::state).containsExactly("verifying");
    }

    @Test
    void aPathStuckVerifyingIsQueuedAgainByThePushThatIncludesIt() {
        Fixture g = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        g.createCache("team");
        Fixture.Nar dep = nar("dep");
        g.upload("team", dep);
        g.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(dep.info())));
        PathRecord lost = g.paths.record(TEAM, dep.path().hash()).orElseThrow();
        g.clock.advance(CacheSettings.VERIFY_DEADLINE.plus(Duration.ofSeconds(1)));

        g.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(dep.info())));

        PathRecord again = g.paths.record(TEAM, dep.path().hash()).orElseThrow();
        assertThat(again.attempt()).isNotEqualTo(lost.attempt());
        assertThat(again.updatedAt()).isAfter(lost.updatedAt());
        assertThat(g.queue.jobs()).hasSize(2);
        assertThat(g.services.verify().run(g.queue.jobs().get(1))).extracting(VerifyService.Outcome::state)
                .containsExactly(PathState.PUBLISHED);
    }

    private NarInfo narInfoOf(Fixture.Nar nar) {
        try {
            return NarInfo.parse(f.objects.object("team/" + nar.path().hash() + ".narinfo").orElseThrow().body(), "/nix/store");
        } catch (dev.nixfront.nix.NixFormatException e) {
            throw new AssertionError(e);
        }
    }
}
