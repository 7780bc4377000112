package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.PinInfo;
import dev.nixfront.api.PinList;
import dev.nixfront.api.PinRequest;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PinRecord;
import dev.nixfront.cache.port.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pins: named revisions of published paths, written on the version read and retried when another write got there first. */
class PinServiceTest {
    private final Fixture f = new Fixture(CacheSettings.defaults("https://cache.example.org").withNameReservation(Duration.ZERO));
    private final Fixture.Nar one = nar("site-1");
    private final Fixture.Nar two = nar("site-2");
    private final Fixture.Nar three = nar("site-3");

    private void publish(Fixture.Nar... nars) {
        f.uploadAll("team", nars);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(Arrays.stream(nars).map(Fixture.Nar::info).toList()));
    }

    private PinInfo pin(String name, Fixture.Nar nar, Integer keep) {
        return f.services.pins().put(ADMIN, "team", name, new PinRequest(nar.path().toString(), keep));
    }

    private CacheRecord team() {
        return f.caches.get(CacheName.of("team")).orElseThrow();
    }

    private static PinInfo.Revision revision(Fixture.Nar nar, Instant at) {
        return new PinInfo.Revision(nar.path().toString(), at);
    }

    @Test
    void aPinKeepsItsNewestRevisionsAndPinningTheNewestAgainOnlyRenewsItsTime() {
        f.createCache("team");
        publish(one, two, three);
        Instant t0 = f.clock.instant();

        assertThat(pin("release", one, null)).as("a new pin keeps one revision")
                .isEqualTo(new PinInfo("release", 1, List.of(revision(one, t0))));
        f.clock.advance(Duration.ofMinutes(1));
        assertThat(pin("release", two, null)).as("the oldest beyond keepRevisions goes")
                .isEqualTo(new PinInfo("release", 1, List.of(revision(two, t0.plusSeconds(60)))));

        f.clock.advance(Duration.ofMinutes(1));
        assertThat(pin("release", three, 2)).as("a setting given changes the pin's")
                .isEqualTo(new PinInfo("release", 2, List.of(revision(three, t0.plusSeconds(120)), revision(two, t0.plusSeconds(60)))));
        f.clock.advance(Duration.ofMinutes(1));
        assertThat(pin("release", three, null)).as("the newest again: its time, nothing else")
                .isEqualTo(new PinInfo("release", 2, List.of(revision(three, t0.plusSeconds(180)), revision(two, t0.plusSeconds(60)))));
        f.clock.advance(Duration.ofMinutes(1));
        assertThat(pin("release", one, null)).as("an existing pin keeps its setting")
                .isEqualTo(new PinInfo("release", 2, List.of(revision(one, t0.plusSeconds(240)), revision(three, t0.plusSeconds(180)))));
        assertThat(f.fakes.pins.get(team(), "release").orElseThrow().version()).as("every write a new version").isEqualTo(5);

        f.clock.advance(Duration.ofMinutes(1));
        assertThat(pin("release", two, 1).revisions()).as("fewer kept: the oldest go")
                .containsExactly(revision(two, t0.plusSeconds(300)));
    }

    @Test
    void aPathTheCacheHasNotPublishedIsA409NamingItAndWritesNothing() {
        f.createCache("team");
        publish(one);
        f.upload("team", two);

        DomainException refused = Fixture.refusal(() -> pin("release", two, null));

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.field()).isEqualTo("path");
        assertThat(refused.reason()).contains(two.path().toString(), "not published in cache team");
        assertThat(f.fakes.pins.list(team())).isEmpty();
        assertThat(f.fakes.pins.puts()).isZero();
    }

    @Test
    void badRequestsAreRefusedNamingTheFieldAndWriteNothing() {
        f.createCache("team");
        publish(one);
        String path = one.path().toString();

        assertInvalid(() -> f.services.pins().put(ADMIN, "team", ".hidden", new PinRequest(path, null)), "name", "must not start with '.'");
        assertInvalid(() -> f.services.pins().put(ADMIN, "team", "a/b", new PinRequest(path, null)), "name", "found '/'");
        assertInvalid(() -> f.services.pins().put(ADMIN, "team", "é", new PinRequest(path, null)), "name", "found '\\u00e9'");
        assertInvalid(() -> f.services.pins().put(ADMIN, "team", "x".repeat(101), new PinRequest(path, null)), "name", "at most 100");
        assertInvalid(() -> f.services.pins().put(ADMIN, "team", "", new PinRequest(path, null)), "name", "must not be empty");
        assertInvalid(() -> f.services.pins().put(ADMIN, "team", "ok", new PinRequest("/nix/store/nope", null)), "path", "too short");
        assertInvalid(() -> f.services.pins().put(ADMIN, "team", "ok", new PinRequest(null, null)), "path", "empty");
        assertInvalid(() -> f.services.pins().put(ADMIN, "team", "ok", new PinRequest("/gnu/store/" + one.path().baseName(), null)),
                "path", "must be in /nix/store");
        assertInvalid(() -> f.services.pins().put(ADMIN, "team", "ok", new PinRequest(path, 0)), "keepRevisions", "between 1 and 100, got 0");
        assertInvalid(() -> f.services.pins().put(ADMIN, "team", "ok", new PinRequest(path, 101)), "keepRevisions", "got 101");
        assertInvalid(() -> f.services.pins().put(ADMIN, "team", "ok", null), null, "JSON body");
        assertInvalid(() -> f.services.pins().delete(ADMIN, "team", "a b"), "name", "found ' '");
        assertInvalid(() -> f.services.pins().list(ADMIN, "team", "a b"), "after", "found ' '");
        assertThat(f.fakes.pins.puts()).isZero();

        assertThat(pin("Release_1.2+3-rc", one, 100).keepRevisions()).as("the whole alphabet, and the largest setting").isEqualTo(100);
    }

    @Test
    void aWriteThatLosesTheRaceIsRetriedOverWhatIsThereNow() {
        f.createCache("team");
        publish(one, two);
        pin("release", one, 3);
        Instant rival = f.clock.instant().plusSeconds(1);
        f.fakes.pins.beforePut = () -> {
            f.fakes.pins.beforePut = () -> { };
            // Another request pins two between this one's read and its write.
            PinRecord read = f.fakes.pins.get(team(), "release").orElseThrow();
            List<PinRecord.Revision> revisions = new ArrayList<>(read.revisions());
            revisions.addFirst(new PinRecord.Revision(two.path(), rival));
            assertThat(f.fakes.pins.put(team(), new PinRecord("release", 3, revisions, read.version() + 1), read)).isTrue();
        };
        f.clock.advance(Duration.ofSeconds(2));

        PinInfo pinned = pin("release", one, null);

        assertThat(pinned.revisions()).extracting(PinInfo.Revision::path)
                .as("both writes landed: ours is the newest").containsExactly(one.path().toString(), two.path().toString(), one.path().toString());
        assertThat(f.fakes.pins.get(team(), "release").orElseThrow().version()).isEqualTo(3);
    }

    @Test
    void aPinThatKeepsChangingIsA409AfterAFewTries() {
        f.createCache("team");
        publish(one);
        // Before each of this request's writes, another writer's lands.
        Runnable rival = new Runnable() {
            @Override
            public void run() {
                f.fakes.pins.beforePut = () -> { };
                PinRecord read = f.fakes.pins.get(team(), "release").orElse(null);
                f.fakes.pins.put(team(), new PinRecord("release", 1, List.of(new PinRecord.Revision(one.path(), f.clock.instant())),
                        read == null ? 1 : read.version() + 1), read);
                f.fakes.pins.beforePut = this;
            }
        };
        f.fakes.pins.beforePut = rival;

        DomainException refused = Fixture.refusal(() -> pin("release", one, null));

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.field()).isEqualTo("name");
        assertThat(refused.reason()).contains("kept changing");
        assertThat(f.fakes.pins.puts()).as("the rival's writes and this request's " + PinService.ATTEMPTS + " tries")
                .isEqualTo(2 * PinService.ATTEMPTS);
    }

    @Test
    void listsInPagesOfFiftyAndDeletes() {
        f.createCache("team");
        publish(one);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            names.add("pin-%03d".formatted(i));
            pin(names.getLast(), one, null);
        }

        PinList first = f.services.pins().list(ADMIN, "team", null);
        assertThat(first.pins()).extracting(PinInfo::name).containsExactlyElementsOf(names.subList(0, 50));
        assertThat(first.next()).isEqualTo("pin-049");
        PinList second = f.services.pins().list(ADMIN, "team", first.next());
        assertThat(second.pins()).extracting(PinInfo::name).containsExactlyElementsOf(names.subList(50, 100));
        PinList last = f.services.pins().list(ADMIN, "team", second.next());
        assertThat(last.pins()).extracting(PinInfo::name).containsExactlyElementsOf(names.subList(100, 120));
        assertThat(last.next()).isNull();

        f.services.pins().delete(ADMIN, "team", "pin-000");
        DomainException absent = Fixture.refusal(() -> f.services.pins().delete(ADMIN, "team", "pin-000"));
        assertThat(absent.status()).isEqualTo(404);
        assertThat(absent.field()).isEqualTo("name");
        assertThat(f.services.pins().list(ADMIN, "team", null).pins().getFirst().name()).isEqualTo("pin-001");
    }

    @Test
    void readersListWritersPinAndNothingCrossesCachesOrIncarnations() {
        f.createCache("team");
        f.createCache("other");
        publish(one);
        CacheRecord old = team();
        Principal reader = new Principal("tk_r", Scope.fromLists(List.of("team"), List.of("read")), null, null, 0,
                Map.of("team", old.incarnation()));
        Principal writer = new Principal("tk_w", Scope.fromLists(List.of("team"), List.of("write")), null, null, 0,
                Map.of("team", old.incarnation()));
        Principal otherAdmin = new Principal("tk_o", Scope.fromLists(List.of("other"), List.of("admin")), null, null, 0,
                Map.of("other", f.caches.get(CacheName.of("other")).orElseThrow().incarnation()));
        PinRequest request = new PinRequest(one.path().toString(), null);

        assertThat(f.services.pins().put(writer, "team", "release", request).name()).isEqualTo("release");
        assertThat(f.services.pins().list(reader, "team", null).pins()).extracting(PinInfo::name).containsExactly("release");
        assertForbidden(() -> f.services.pins().put(reader, "team", "mine", request), "lacks the write permission");
        assertForbidden(() -> f.services.pins().delete(reader, "team", "release"), "lacks the write permission");
        assertForbidden(() -> f.services.pins().put(otherAdmin, "team", "mine", request), "not valid for cache team");
        assertForbidden(() -> f.services.pins().list(otherAdmin, "team", null), "not valid for cache team");
        assertForbidden(() -> f.services.pins().delete(otherAdmin, "team", "release"), "not valid for cache team");
        assertThat(f.services.pins().list(ADMIN, "other", null).pins()).isEmpty();
        assertThat(f.services.pins().list(ADMIN, "team", null).pins()).hasSize(1);

        f.services.caches().delete(ADMIN, "team");
        f.createCache("team");
        assertThat(f.fakes.pins.list(old)).as("deleted with its cache").isEmpty();
        assertThat(f.services.pins().list(ADMIN, "team", null).pins()).as("nothing of the deleted cache").isEmpty();
        assertForbidden(() -> f.services.pins().list(reader, "team", null), "earlier cache named team");
        DomainException notHere = Fixture.refusal(() -> f.services.pins().put(ADMIN, "team", "release", request));
        assertThat(notHere.status()).as("the new cache has not published the path").isEqualTo(409);
    }

    private static void assertInvalid(Runnable call, String field, String reason) {
        DomainException e = Fixture.refusal(call);
        assertThat(e.status()).as(e.getMessage()).isEqualTo(400);
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.reason()).contains(reason);
    }

    private static void assertForbidden(Runnable call, String reason) {
        DomainException e = Fixture.refusal(call);
        assertThat(e.status()).as(e.getMessage()).isEqualTo(403);
        assertThat(e.reason()).contains(reason);
    }
}
