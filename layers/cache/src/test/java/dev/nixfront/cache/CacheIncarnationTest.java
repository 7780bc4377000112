package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResult;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.Scope;
import dev.nixfront.cache.port.TokenRecord;
import dev.nixfront.cache.port.VerifyJob;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * No ghosts of a deleted cache: a verification or publish that a deletion overtakes leaves nothing
 * readable and nothing indexed, a verify job queued before the deletion publishes nothing into a
 * cache created again under the name, and tokens made for the deleted cache are good for nothing
 * of its successor. Each of these failed before caches had incarnations.
 */
class CacheIncarnationTest {
    private static final String ROOT = "nf_root-token-of-the-incarnation-test-000000";

    private CacheRecord team(Fixture f) {
        return f.caches.get(CacheName.of("team")).orElseThrow();
    }

    /**
     * Deletes "team" (mark and sweep) right after the verified NAR was copied into nar/ and removed
     * from staging, before its narinfo is written: the publisher's last writes come after the sweep.
     */
    private static void deleteTeamOnceItsNarIsCopied(Fixture f) {
        AtomicBoolean deleted = new AtomicBoolean();
        f.objects.afterWrite(entry -> {
            if (entry.startsWith("delete _staging/team/") && deleted.compareAndSet(false, true)) {
                f.services.caches().delete(ADMIN, "team");
            }
        });
    }

    @Test
    void aDeletionDuringAnAsynchronousVerificationLeavesNothingReadableOrPublishedAlsoAfterTheNameIsTakenAgain() {
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        f.createCache("team");
        Fixture.Nar one = nar("one");
        f.upload("team", one);
        assertThat(f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(one.info()))).results())
                .extracting(PublishResult::state).containsExactly("verifying");
        CacheRecord first = team(f);
        VerifyJob job = f.queue.jobs().getFirst();
        assertThat(job.incarnation()).isEqualTo(first.incarnation());

        deleteTeamOnceItsNarIsCopied(f);
        var outcomes = f.services.verify().run(job);

        assertThat(outcomes).extracting(VerifyService.Outcome::state).containsExactly(PathState.REJECTED);
        assertThat(outcomes.getFirst().reason()).contains("was deleted");
        assertThat(f.objects.keys()).as("nothing of the deleted cache is readable").noneMatch(k -> k.startsWith("team/"));
        assertThat(f.paths.record(first, one.path().hash())).as("nothing is reported published").isEmpty();

        f.clock.advance(CacheSettings.NAME_RESERVATION);
        f.createCache("team");
        CacheRecord second = team(f);
        assertThat(second.incarnation()).isNotEqualTo(first.incarnation());
        f.objects.afterWrite(entry -> { });
        // The job delivered once more (Lambda retries), now that the name is another cache's.
        assertThat(f.services.verify().run(job)).extracting(VerifyService.Outcome::state).containsExactly(PathState.REJECTED);
        assertThat(f.objects.keys()).filteredOn(k -> k.startsWith("team/")).containsExactly("team/nix-cache-info");
        assertThat(f.services.query().missing(ADMIN, "team", new MissingRequest(List.of(one.path().hash().value())))
                .missing()).containsExactly(one.path().hash().value());
        assertThat(f.services.query().status(ADMIN, "team", one.path().hash().value()).state()).isEqualTo("absent");
    }

    @Test
    void anInlinePublishOvertakenByADeletionRemovesWhatItWroteAndAnswers404() {
        Fixture f = new Fixture();
        f.createCache("team");
        Fixture.Nar one = nar("one");
        f.upload("team", one);
        CacheRecord first = team(f);
        deleteTeamOnceItsNarIsCopied(f);

        DomainException gone = org.assertj.core.api.Assertions.catchThrowableOfType(DomainException.class,
                () -> f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(one.info()))));

        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.reason()).contains("was deleted while");
        assertThat(f.objects.keys()).noneMatch(k -> k.startsWith("team/"));
        assertThat(f.paths.record(first, one.path().hash())).isEmpty();
    }

    /**
     * A batch is confirmed with one read of the cache item after its last write, not one per path
     * (that item is the one key every path of a cache would read), and a deletion that lands after
     * the first path was written still undoes every path of the request.
     */
    @Test
    void aBatchLooksAtTheCacheOnceAndADeletionAfterItsFirstPathUndoesThemAll() {
        Fixture f = new Fixture();
        f.createCache("team");
        Fixture.Nar one = nar("one");
        Fixture.Nar two = nar("two", one.path());
        Fixture.Nar three = nar("three", two.path());
        for (Fixture.Nar n : List.of(one, two, three)) {
            f.upload("team", n);
        }
        int before = f.caches.gets.get();
        assertThat(f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(one.info(), two.info()))).results())
                .extracting(PublishResult::state).containsExactly("published", "published");
        assertThat(f.caches.gets.get() - before).as("the request's lookup and one confirmation").isEqualTo(2);

        Fixture.Nar four = nar("four", three.path());
        f.upload("team", four);
        CacheRecord first = team(f);
        AtomicBoolean deleted = new AtomicBoolean();
        f.objects.afterWrite(entry -> {
            if (entry.startsWith("put team/" + three.path().hash()) && deleted.compareAndSet(false, true)) {
                f.services.caches().delete(ADMIN, "team");
            }
        });

        DomainException gone = org.assertj.core.api.Assertions.catchThrowableOfType(DomainException.class,
                () -> f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(three.info(), four.info()))));

        assertThat(deleted).isTrue();
        assertThat(gone.status()).isEqualTo(404);
        assertThat(f.objects.keys()).as("four was written after the sweep, three before it; both undone")
                .noneMatch(k -> k.startsWith("team/"));
        assertThat(f.paths.record(first, three.path().hash())).isEmpty();
        assertThat(f.paths.record(first, four.path().hash())).isEmpty();
    }

    /** A big batch also looks along the way, every CONFIRM_EVERY paths, so a request that dies mid-batch leaves few unconfirmed. */
    @Test
    void aBigBatchLooksAtTheCacheEveryFewPaths() {
        Fixture f = new Fixture();
        f.createCache("team");
        List<Fixture.Nar> nars = new ArrayList<>();
        for (int i = 0; i < 2 * PublishService.CONFIRM_EVERY + 10; i++) {
            Fixture.Nar n = nar("p" + i);
            f.upload("team", n);
            nars.add(n);
        }
        int before = f.caches.gets.get();

        assertThat(f.services.publish().publish(ADMIN, "team", new PublishRequest(nars.stream().map(Fixture.Nar::info).toList()))
                .results()).extracting(PublishResult::state).containsOnly("published");

        assertThat(f.caches.gets.get() - before).as("the lookup, two looks along the way and the last").isEqualTo(4);
    }

    @Test
    void aDeletedNameIsReservedUntilNoJobQueuedBeforeTheDeletionCanRun() {
        Fixture f = new Fixture();
        f.createCache("team");
        f.services.caches().delete(ADMIN, "team");
        DomainException reserved = org.assertj.core.api.Assertions.catchThrowableOfType(DomainException.class,
                () -> f.createCache("team"));
        assertThat(reserved.status()).isEqualTo(409);
        assertThat(reserved.field()).isEqualTo("name");
        f.clock.advance(CacheSettings.NAME_RESERVATION.minusSeconds(1));
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(DomainException.class, () -> f.createCache("team"))
                .status()).isEqualTo(409);
        f.clock.advance(java.time.Duration.ofSeconds(1));
        assertThat(f.createCache("team").name()).isEqualTo("team");
        // Deleting is idempotent, and a deleted cache is no cache to anything else.
        f.services.caches().delete(ADMIN, "team");
        f.services.caches().delete(ADMIN, "team");
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(DomainException.class,
                () -> f.services.caches().info(ADMIN, "team")).status()).isEqualTo(404);
        assertThat(f.services.caches().list(ADMIN).caches()).isEmpty();
    }

    @Test
    void tokensOfADeletedCacheFailOnTheCacheCreatedAgainUnderItsName() {
        Fixture f = new Fixture();
        f.createCache("team");
        f.services.tokens().registerBootstrap(TokenService.hash(ROOT), "root");
        Principal root = f.services.tokens().authenticate("Bearer " + ROOT);
        String writer = f.services.tokens().create(root, new CreateTokenRequest("ci", List.of("team"), List.of("write"), null))
                .token();
        assertThat(f.services.caches().info(f.services.tokens().authenticate("Bearer " + writer), "team").name())
                .isEqualTo("team");
        // A token made before incarnations existed names the cache alone.
        f.tokens.create(new TokenRecord("tk_00000000000000aa", TokenService.hash("nf_legacy-token-of-team-000000000000000"),
                "old", Scope.fromLists(List.of("team"), List.of("read")), f.clock.instant(), null, null));

        f.services.caches().delete(ADMIN, "team");
        f.clock.advance(CacheSettings.NAME_RESERVATION);
        f.createCache("team");

        for (String token : List.of(writer, "nf_legacy-token-of-team-000000000000000")) {
            Principal old = f.services.tokens().authenticate("Bearer " + token);
            DomainException refused = org.assertj.core.api.Assertions.catchThrowableOfType(DomainException.class,
                    () -> f.services.caches().info(old, "team"));
            assertThat(refused.status()).as(token).isEqualTo(403);
            assertThat(refused.reason()).contains("earlier cache named team");
            assertThat(f.services.caches().list(old).caches()).isEmpty();
            assertThatThrownBy(() -> f.services.tokens().create(old,
                    new CreateTokenRequest(null, List.of("team"), List.of("read"), null))).isInstanceOf(DomainException.class);
        }
        // A token made now is bound to the new cache and works.
        String fresh = f.services.tokens().create(root, new CreateTokenRequest(null, List.of("team"), List.of("read"), null))
                .token();
        assertThat(f.services.caches().info(f.services.tokens().authenticate("Bearer " + fresh), "team").name())
                .isEqualTo("team");
    }

    @Test
    void tokensAreMadeForCachesThatExistAndOnlyAdminsOfAllCachesCreateCaches() {
        Fixture f = new Fixture();
        f.services.tokens().registerBootstrap(TokenService.hash(ROOT), "root");
        Principal root = f.services.tokens().authenticate("Bearer " + ROOT);
        DomainException absent = org.assertj.core.api.Assertions.catchThrowableOfType(DomainException.class,
                () -> f.services.tokens().create(root, new CreateTokenRequest(null, List.of("nope"), List.of("read"), null)));
        assertThat(absent.status()).isEqualTo(404);
        assertThat(absent.field()).isEqualTo("caches[0]");

        f.createCache("team");
        String teamAdmin = f.services.tokens().create(root, new CreateTokenRequest(null, List.of("team"), List.of("admin"), null))
                .token();
        Principal admin = f.services.tokens().authenticate("Bearer " + teamAdmin);
        f.services.caches().delete(admin, "team");
        f.clock.advance(CacheSettings.NAME_RESERVATION);
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(DomainException.class,
                () -> f.services.caches().create(admin, new dev.nixfront.api.CreateCacheRequest("team", null, null, null)))
                .status()).as("a token bound to the deleted cache cannot make its successor").isEqualTo(403);
    }

    /** Found by an outside review: the sweep of the deleted upload made this a 422 and wrote a rejection. */
    @Test
    void anInlinePublishWhoseUploadADeletionSweptAnswers404AndRecordsNothing() {
        Fixture f = new Fixture();
        f.createCache("team");
        Fixture.Nar one = nar("one");
        f.upload("team", one);
        CacheRecord first = team(f);
        AtomicBoolean deleted = new AtomicBoolean();
        f.objects.afterGet(key -> {
            if (key.contains(".nar") && deleted.compareAndSet(false, true)) {
                f.services.caches().delete(ADMIN, "team");
            }
        });

        DomainException gone = org.assertj.core.api.Assertions.catchThrowableOfType(DomainException.class,
                () -> f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(one.info()))));

        assertThat(gone.status()).isEqualTo(404);
        assertThat(f.paths.record(first, one.path().hash())).as("no rejection written into the deleted cache").isEmpty();
        assertThat(f.objects.keys()).noneMatch(k -> k.startsWith("team/"));
    }

    /** Found by an outside review: the deleted cache's admin listed and revoked the tokens of its successor. */
    @Test
    void theAdminOfADeletedCacheNeitherSeesNorRevokesTheTokensOfItsSuccessor() {
        Fixture f = new Fixture();
        f.createCache("c1");
        f.services.tokens().registerBootstrap(TokenService.hash(ROOT), "root");
        Principal root = f.services.tokens().authenticate("Bearer " + ROOT);
        Principal oldAdmin = f.services.tokens().authenticate("Bearer " + f.services.tokens().create(root,
                new CreateTokenRequest(null, List.of("c1"), List.of("admin"), null)).token());
        f.services.caches().delete(ADMIN, "c1");
        f.clock.advance(CacheSettings.NAME_RESERVATION);
        f.createCache("c1");
        var writer = f.services.tokens().create(root, new CreateTokenRequest("w2", List.of("c1"), List.of("write"), null));

        assertThat(f.services.tokens().list(oldAdmin).tokens()).extracting(t -> t.id()).doesNotContain(writer.info().id());
        assertThat(f.services.tokens().list(oldAdmin, "c1").tokens()).isEmpty();
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(DomainException.class,
                () -> f.services.tokens().revoke(oldAdmin, writer.info().id())).status()).isEqualTo(404);
        assertThat(f.services.tokens().authenticate("Bearer " + writer.token()).tokenId()).isEqualTo(writer.info().id());
        // Listed for c1, even to an admin of all caches, are only the tokens good for it.
        assertThat(f.services.tokens().list(root, "c1").tokens()).extracting(t -> t.id())
                .contains(writer.info().id()).doesNotContain(oldAdmin.tokenId());
    }

    /** A deleted cache's sweep may be repeated while its name is reserved, by who could delete it, and not after. */
    @Test
    void aTombstoneIsSweptAgainOnlyWhileItsNameIsReserved() {
        Fixture f = new Fixture();
        f.createCache("team");
        f.services.caches().delete(ADMIN, "team");
        f.services.caches().delete(ADMIN, "team");
        f.clock.advance(CacheSettings.NAME_RESERVATION.minus(CacheAdminService.RESWEEP_MARGIN));
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(DomainException.class,
                () -> f.services.caches().delete(ADMIN, "team")).status()).isEqualTo(404);
    }
}
