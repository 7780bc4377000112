package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.RootsRequest;
import dev.nixfront.api.RootsResponse;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.RootRecord;
import dev.nixfront.cache.port.Scope;
import dev.nixfront.nix.StorePath;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The roots a push reports: recorded when published, with the report's time, the later time winning. */
class RootServiceTest {
    private final Fixture f = new Fixture(CacheSettings.defaults("https://cache.example.org").withNameReservation(Duration.ZERO));

    private void publish(Fixture.Nar... nars) {
        f.uploadAll("team", nars);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(Arrays.stream(nars).map(Fixture.Nar::info).toList()));
    }

    private RootsResponse report(Principal principal, String... roots) {
        return f.services.roots().record(principal, "team", new RootsRequest(List.of(roots)));
    }

    private CacheRecord team() {
        return f.caches.get(CacheName.of("team")).orElseThrow();
    }

    @Test
    void recordsThePublishedRootsAsPushedNowAndNamesTheOthers() {
        f.createCache("team");
        Fixture.Nar dep = nar("dep");
        Fixture.Nar app = nar("app", dep.path());
        publish(dep, app);
        StorePath unknown = Fixture.storePath("never-pushed");
        StorePath otherName = new StorePath("/nix/store", app.path().hash(), "not-app");
        Instant now = f.clock.instant();

        RootsResponse answer = report(ADMIN, app.path().toString(), unknown.toString(), app.path().toString(), otherName.toString());

        assertThat(answer).isEqualTo(new RootsResponse(List.of(app.path().toString()), List.of(unknown.toString(), otherName.toString())));
        assertThat(f.fakes.roots.list(team())).containsExactly(new RootRecord(app.path(), now));

        f.clock.advance(Duration.ofHours(1));
        report(ADMIN, app.path().toString(), dep.path().toString());
        assertThat(f.fakes.roots.list(team())).containsExactlyInAnyOrder(
                new RootRecord(app.path(), now.plus(Duration.ofHours(1))), new RootRecord(dep.path(), now.plus(Duration.ofHours(1))));
    }

    @Test
    void aPathStillVerifyingIsNotARootYet() {
        Fixture big = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        big.createCache("team");
        Fixture.Nar app = nar("app");
        big.upload("team", app);
        big.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(app.info())));

        RootsResponse answer = big.services.roots().record(ADMIN, "team", new RootsRequest(List.of(app.path().toString())));

        assertThat(answer.recorded()).isEmpty();
        assertThat(answer.notPublished()).containsExactly(app.path().toString());
        assertThat(big.fakes.roots.list(big.caches.get(CacheName.of("team")).orElseThrow())).isEmpty();
    }

    @Test
    void badReportsAreRefusedNamingTheFieldAndRecordNothing() {
        f.createCache("team");
        Fixture.Nar app = nar("app");
        publish(app);
        String good = app.path().toString();

        assertRefused(() -> report(ADMIN), 400, "roots", "at least one");
        assertRefused(() -> f.services.roots().record(ADMIN, "team", new RootsRequest(Collections.nCopies(RootsRequest.MAX + 1, good))),
                413, "roots", "at most 1000");
        assertRefused(() -> report(ADMIN, good, "/nix/store/not-a-store-path"), 400, "roots[1]", "too short");
        assertRefused(() -> report(ADMIN, good, "/gnu/store/" + app.path().baseName()), 400, "roots[1]", "must be in /nix/store");
        assertRefused(() -> report(ADMIN, good, good, "relative/" + app.path().baseName()), 400, "roots[2]", "store directory");
        List<String> withNull = new ArrayList<>(List.of(good));
        withNull.add(null);
        assertRefused(() -> f.services.roots().record(ADMIN, "team", new RootsRequest(withNull)), 400, "roots[1]", "empty");
        assertRefused(() -> f.services.roots().record(ADMIN, "team", null), 400, null, "JSON body");
        assertThat(f.fakes.roots.list(team())).isEmpty();

        assertThat(report(ADMIN, Collections.nCopies(RootsRequest.MAX, good).toArray(String[]::new)).recorded())
                .as("a thousand is allowed, and a repeated root counts once").containsExactly(good);
    }

    @Test
    void onlyAWriterOfThisIncarnationOfTheCacheRecordsRoots() {
        f.createCache("team");
        f.createCache("other");
        Fixture.Nar app = nar("app");
        publish(app);
        String root = app.path().toString();
        CacheRecord old = team();
        Principal reader = new Principal("tk_r", Scope.fromLists(List.of("team"), List.of("read")), null, null, 0,
                Map.of("team", old.incarnation()));
        Principal otherWriter = new Principal("tk_o", Scope.fromLists(List.of("other"), List.of("write")), null, null, 0,
                Map.of("other", f.caches.get(CacheName.of("other")).orElseThrow().incarnation()));
        Principal teamWriter = new Principal("tk_w", Scope.fromLists(List.of("team"), List.of("write")), null, null, 0,
                Map.of("team", old.incarnation()));

        assertRefused(() -> report(reader, root), 403, "cache", "lacks the write permission");
        assertRefused(() -> report(otherWriter, root), 403, "cache", "not valid for cache team");
        assertRefused(() -> f.services.roots().record(ADMIN, "nope", new RootsRequest(List.of(root))), 404, "cache", "no cache named nope");
        assertThat(f.fakes.roots.list(old)).isEmpty();
        assertThat(report(teamWriter, root).recorded()).containsExactly(root);

        // Deleted and created again: the old roots are gone with it, the old token is refused,
        // and the new cache has not published the path.
        f.services.caches().delete(ADMIN, "team");
        f.createCache("team");
        assertThat(f.fakes.roots.list(old)).isEmpty();
        assertRefused(() -> report(teamWriter, root), 403, "cache", "earlier cache named team");
        assertThat(report(ADMIN, root).notPublished()).containsExactly(root);
        assertThat(f.fakes.roots.list(team())).isEmpty();
    }

    private static void assertRefused(Runnable call, int status, String field, String reason) {
        DomainException e = Fixture.refusal(call);
        assertThat(e.status()).as(e.getMessage()).isEqualTo(status);
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.reason()).contains(reason);
    }
}
