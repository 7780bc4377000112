package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 9, "no ghosts": the index agrees with what is readable, and one request never undoes another's. */
class IndexIntegrityTest {
    private static final CacheName TEAM = CacheName.of("team");

    private final Fixture f = new Fixture();

    private static PathInfo renamed(PathInfo i, StorePath path) {
        return new PathInfo(path.toString(), i.narHash(), i.narSize(), i.fileHash(), i.fileSize(), i.compression(),
                i.references(), i.deriver(), i.ca());
    }

    private void publish(PathInfo... infos) {
        f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(infos)));
    }

    @Test
    void theSameHashUnderAnotherNameIsA409AndTheNarinfoKeepsTheFirstName() throws Exception {
        f.createCache("team");
        Fixture.Nar foo = nar("foo");
        f.upload("team", foo);
        publish(foo.info());
        StorePath bar = new StorePath("/nix/store", foo.path().hash(), "bar");

        assertThatThrownBy(() -> publish(renamed(foo.info(), bar)))
                .isInstanceOfSatisfying(DomainException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.field()).isEqualTo("paths[0].storePath");
                    assertThat(e.reason()).contains("already published with different info").contains("StorePath");
                });
        byte[] narInfo = f.objects.object("team/" + foo.path().hash() + ".narinfo").orElseThrow().body();
        assertThat(NarInfo.parse(narInfo, "/nix/store").storePath()).isEqualTo(foo.path());
        assertThat(f.paths.record(TEAM, foo.path().hash()).orElseThrow().info().storePath()).isEqualTo(foo.path());
    }

    @Test
    void aRejectedPublishLeavesAnotherRequestsVerificationAlone() {
        Fixture.Nar a = nar("a");
        Fixture.Nar p = nar("p");
        // Room for one of the two inline: the first request defers p to the verify function.
        Fixture g = new Fixture(CacheSettings.defaults("https://c.example").withInlineBatchBudgetBytes(
                Math.max(Math.max(a.file().length, a.info().narSize()), Math.max(p.file().length, p.info().narSize()))));
        g.createCache("team");
        g.uploadAll("team", a, p);
        var first = g.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(a.info(), p.info())));
        assertThat(first.results()).extracting(r -> r.state()).containsExactly("published", "verifying");
        PathRecord pending = g.paths.record(TEAM, p.path().hash()).orElseThrow();
        assertThat(pending.attempt()).isNotNull();

        // Another client publishes p inline with a NarHash that its upload does not have.
        PathInfo lying = new PathInfo(p.info().storePath(), a.info().narHash(), p.info().narSize(), p.info().fileHash(),
                p.info().fileSize(), p.info().compression(), p.info().references(), null, null);
        assertThatThrownBy(() -> g.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(lying))))
                .isInstanceOfSatisfying(DomainException.class, e -> assertThat(e.status()).isEqualTo(422));

        // The first request's verification is still pending, and its job publishes p.
        assertThat(g.paths.record(TEAM, p.path().hash())).contains(pending);
        assertThat(g.services.verify().run(g.queue.jobs().getFirst())).extracting(VerifyService.Outcome::state)
                .containsExactly(PathState.PUBLISHED);
        assertThat(g.services.query().status(ADMIN, "team", p.path().hash().value()).state()).isEqualTo("published");
    }

    @Test
    void aJobRejectsOnlyTheVerifyingRecordItExaminedAndARetryRejectsAgain() {
        Fixture g = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        g.createCache("team");
        Fixture.Nar p = nar("p");
        // Never uploaded: the job rejects it.
        g.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(p.info())));
        PathRecord examined = g.paths.record(TEAM, p.path().hash()).orElseThrow();
        PathRecord rejected = new PathRecord(examined.info(), PathState.REJECTED, "nope", examined.updatedAt());
        PathRecord other = new PathRecord(examined.info(), PathState.VERIFYING, null, examined.updatedAt(), "another");

        assertThat(g.paths.putRejected(g.caches.get(TEAM).orElseThrow(), rejected, other)).isFalse();
        assertThat(g.paths.putRejected(g.caches.get(TEAM).orElseThrow(), rejected, null)).isFalse();
        assertThat(g.paths.putRejected(g.caches.get(TEAM).orElseThrow(), rejected, examined)).isTrue();
        assertThat(g.paths.putRejected(g.caches.get(TEAM).orElseThrow(), rejected, examined)).isTrue();

        g.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(p.info())));
        PathRecord second = g.paths.record(TEAM, p.path().hash()).orElseThrow();
        assertThat(second.state()).isEqualTo(PathState.VERIFYING);
        assertThat(second.attempt()).isNotEqualTo(examined.attempt());
        // The first request's job, delivered late, examined the old record: the new one stays.
        assertThat(g.paths.putRejected(g.caches.get(TEAM).orElseThrow(), rejected, examined)).isFalse();
        assertThat(g.paths.record(TEAM, p.path().hash())).contains(second);
    }

    @Test
    void twoNamesForOneHashInABatchAreA400BeforeAnythingIsWritten() {
        f.createCache("team");
        Fixture.Nar foo = nar("foo");
        f.upload("team", foo);
        StorePath bar = new StorePath("/nix/store", foo.path().hash(), "bar");

        assertThatThrownBy(() -> publish(foo.info(), renamed(foo.info(), bar)))
                .isInstanceOfSatisfying(DomainException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.field()).isEqualTo("paths[1].storePath");
                });
        assertThat(f.paths.writes()).isEmpty();
    }
}
