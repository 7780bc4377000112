package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.CacheInfo;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.GcReport;
import dev.nixfront.api.GcRequest;
import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResult;
import dev.nixfront.api.UpdateCacheRequest;
import dev.nixfront.api.Upstream;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.PinRecord;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.sign.SecretKey;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The closure rule with upstreams, on the domain with a fake upstream: a reference the upstream
 * serves, signed by its key, lets a path publish inline and through the verify function; garbage
 * collection neither collects nor needs such a reference.
 */
class UpstreamPublishTest {
    private static final String UP = "https://up.example";
    private final SecretKey upKey = SecretKey.generate("up-1", new SecureRandom());

    private dev.nixfront.cache.fake.MemoryUpstream fixtureUpstream;

    private void serveUpstream(StorePath path, SecretKey key) {
        Hash hash = Hash.sha256(path.toString().getBytes(StandardCharsets.UTF_8));
        NarInfo info = NarInfo.builder(path).url("nar/" + hash.toNix32() + ".nar").compression(Compression.NONE).fileHash(hash)
                .fileSize(100).narHash(hash).narSize(100).references(List.of()).build().sign(key);
        // A narinfo of the upstream's, as Nix would find it there.
        fixtureUpstream.serve(URI.create(UP + "/" + path.hash() + ".narinfo"), info.render());
    }

    private Fixture fixture(CacheSettings settings) {
        Fixture f = new Fixture(settings);
        fixtureUpstream = f.fakes.upstream;
        CacheInfo info = f.services.caches().create(ADMIN, new CreateCacheRequest("team", null, null, null,
                List.of(new Upstream(UP, upKey.publicKey().toString()))));
        assertThat(info.upstreams()).containsExactly(new Upstream(UP, upKey.publicKey().toString()));
        return f;
    }

    @Test
    void aReferenceTheUpstreamServesSignedPublishesInlineAndGarbageCollectionLeavesItAlone() {
        Fixture f = fixture(CacheSettings.defaults("https://cache.example.org"));
        StorePath glibc = Fixture.storePath("glibc-2.40");
        serveUpstream(glibc, upKey);
        Fixture.Nar app = Fixture.nar("app", glibc);
        f.uploadAll("team", app);

        List<PublishResult> results = f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info()))).results();
        assertThat(results).extracting(PublishResult::state).containsExactly("published");
        assertThat(f.paths.record(CacheName.of("team"), glibc.hash())).as("an upstream path is not indexed").isEmpty();
        // The closure check asked once; the look right before the narinfo used the remembered answer.
        assertThat(fixtureUpstream.requests()).isEqualTo(1);

        // Pinned, app stays and its upstream reference is nothing to keep; unpinned, app goes alone.
        f.fakes.pins.put(f.caches.get(CacheName.of("team")).orElseThrow(),
                new PinRecord("release", 1, List.of(new PinRecord.Revision(app.path(), f.clock.instant())), 1), null);
        f.services.caches().update(ADMIN, "team", new UpdateCacheRequest(null, null, "1d", null, "0s"));
        f.clock.advance(Duration.ofDays(2));
        GcReport kept = f.services.gc().collect(ADMIN, "team", new GcRequest(false)).report();
        assertThat(kept.pathsCollected()).isZero();
        assertThat(kept.pathsKept()).isEqualTo(1);
        f.fakes.pins.delete(f.caches.get(CacheName.of("team")).orElseThrow(), "release");
        GcReport collected = f.services.gc().collect(ADMIN, "team", new GcRequest(false)).report();
        assertThat(collected.pathsCollected()).isEqualTo(1);
        assertThat(collected.paths()).extracting(GcReport.GcPath::storePath).containsExactly(app.path().toString());
    }

    @Test
    void aYesCountsWithinItsRequestAloneNotForTheNextOneNorForAnotherCache() {
        Fixture f = fixture(CacheSettings.defaults("https://cache.example.org"));
        f.services.caches().create(ADMIN, new CreateCacheRequest("fresh", null, null, null,
                List.of(new Upstream(UP, upKey.publicKey().toString()))));
        StorePath dep = Fixture.storePath("dep-1");
        serveUpstream(dep, upKey);
        Fixture.Nar app = Fixture.nar("app", dep);
        f.uploadAll("team", app);
        assertThat(f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info()))).results())
                .extracting(PublishResult::state).containsExactly("published");

        // The upstream (a nixfront cache, say) removes dep: no cache may count on it any more.
        fixtureUpstream.remove(URI.create(UP + "/" + dep.hash() + ".narinfo"));
        for (String cache : List.of("fresh", "team")) {
            Fixture.Nar later = Fixture.nar("later-" + cache, dep);
            f.uploadAll(cache, later);
            DomainException refused = Fixture.refusal(() -> f.services.publish().publish(ADMIN, cache,
                    new PublishRequest(List.of(later.info()))));
            assertThat(refused.kind()).as(cache).isEqualTo(DomainException.Kind.CONFLICT);
            assertThat(refused.missing()).containsExactly(dep.baseName());
        }
    }

    @Test
    void onePublishMakesAtMostAThousandUpstreamRequestsAndSaysWhatItDidNotAsk() {
        Fixture f = fixture(CacheSettings.defaults("https://cache.example.org"));
        // 11 paths of 100 upstream references each: 1,100 lookups wanted.
        List<PathInfo> batch = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            StorePath[] refs = new StorePath[100];
            for (int j = 0; j < refs.length; j++) {
                refs[j] = Fixture.storePath("lib-" + i + "-" + j);
                serveUpstream(refs[j], upKey);
            }
            Fixture.Nar app = Fixture.nar("app-" + i, refs);
            f.uploadAll("team", app);
            batch.add(app.info());
        }
        DomainException refused = Fixture.refusal(() -> f.services.publish().publish(ADMIN, "team", new PublishRequest(batch)));
        assertThat(refused.kind()).isEqualTo(DomainException.Kind.CONFLICT);
        assertThat(refused.missingCount()).isEqualTo(100);
        assertThat(refused.reason()).contains("100 references not asked of the upstreams, counted as absent: a request makes at most"
                + " 1000 upstream narinfo requests; publish fewer paths per request");
        assertThat(fixtureUpstream.requests()).isEqualTo(1000);

        // The first ten alone are within the bound.
        assertThat(f.services.publish().publish(ADMIN, "team", new PublishRequest(batch.subList(0, 10))).results())
                .extracting(PublishResult::state).containsOnly("published");
    }

    @Test
    void theVerifyFunctionAcceptsTheUpstreamReferenceToo() {
        Fixture f = fixture(CacheSettings.defaults("https://cache.example.org").withInlineVerifyMaxBytes(10));
        StorePath glibc = Fixture.storePath("glibc-2.40");
        serveUpstream(glibc, upKey);
        Fixture.Nar app = Fixture.nar("app", glibc);
        f.uploadAll("team", app);

        assertThat(f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info()))).results())
                .extracting(PublishResult::state).containsExactly("verifying");
        assertThat(f.services.verify().run(f.queue.jobs().getFirst())).extracting(VerifyService.Outcome::state)
                .containsExactly(PathState.PUBLISHED);
    }

    @Test
    void aVerifyJobChecksEachPathUnderTheUpstreamsTheCacheHasThenNotThoseItHadWhenItStarted() {
        Fixture f = fixture(CacheSettings.defaults("https://cache.example.org").withInlineVerifyMaxBytes(10));
        StorePath lib1 = Fixture.storePath("lib-1");
        StorePath lib2 = Fixture.storePath("lib-2");
        serveUpstream(lib1, upKey);
        serveUpstream(lib2, upKey);
        Fixture.Nar app1 = Fixture.nar("app-1", lib1);
        Fixture.Nar app2 = Fixture.nar("app-2", lib2);
        f.uploadAll("team", app1, app2);
        assertThat(f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app1.info(), app2.info()))).results())
                .extracting(PublishResult::state).containsExactly("verifying", "verifying");

        // The admin drops the upstream while the job runs, as it publishes app-1 (lib-1 asked just before).
        fixtureUpstream.whenAsked(URI.create(UP + "/" + lib1.hash() + ".narinfo"), () -> f.services.caches().update(ADMIN, "team",
                new UpdateCacheRequest(null, null, null, null, null, List.of())));
        List<VerifyService.Outcome> outcomes = f.services.verify().run(f.queue.jobs().getFirst());
        assertThat(outcomes).extracting(VerifyService.Outcome::state).containsExactly(PathState.PUBLISHED, PathState.REJECTED);
        assertThat(outcomes.get(1).reason()).contains(lib2.baseName() + " is not published");
    }

    @Test
    void aReferenceTheUpstreamLacksSignsWithAnotherKeyOrCannotAnswerIsA409() {
        Fixture f = fixture(CacheSettings.defaults("https://cache.example.org"));
        StorePath absent = Fixture.storePath("absent-1");
        StorePath forged = Fixture.storePath("forged-1");
        serveUpstream(forged, SecretKey.generate("up-1", new SecureRandom()));
        for (StorePath ref : List.of(absent, forged)) {
            Fixture.Nar app = Fixture.nar("app-" + ref.name(), ref);
            f.uploadAll("team", app);
            DomainException refused = Fixture.refusal(() -> f.services.publish().publish(ADMIN, "team",
                    new PublishRequest(List.of(app.info()))));
            assertThat(refused.kind()).isEqualTo(DomainException.Kind.CONFLICT);
            assertThat(refused.missing()).containsExactly(ref.baseName());
            assertThat(f.objects.keys()).noneMatch(k -> k.endsWith(".narinfo"));
        }

        fixtureUpstream.down("up.example");
        Fixture.Nar app = Fixture.nar("app-down", forged);
        f.uploadAll("team", app);
        DomainException unreachable = Fixture.refusal(() -> f.services.publish().publish(ADMIN, "team",
                new PublishRequest(List.of(app.info()))));
        assertThat(unreachable.reason()).contains("upstream " + UP + " failed (connection failed): its paths counted as absent");
    }
}
