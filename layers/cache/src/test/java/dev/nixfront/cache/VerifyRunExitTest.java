package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.PublishRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.VerifyJob;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * How a verify run ends when a deletion overtakes it or a store call fails: every path it wrote is
 * confirmed (or removed) before the run can end in any way, it stops publishing once the cache is
 * gone, and the metrics count what it published. Found by an outside review of a change, since
 * reverted, that confirmed once per run on its normal exits only.
 */
class VerifyRunExitTest {
    private static final String STORE_FAILURE = "S3 503 SlowDown (retries exhausted)";

    @Test
    void aStoreFailureAfterADeletionMustNotLeaveTheRunsEarlierPathsReadable() {
        Fixture f = deferring();
        Fixture.Nar one = nar("one");
        Fixture.Nar two = nar("two");
        VerifyJob job = deferred(f, one, two);
        CacheRecord first = f.caches.get(CacheName.of("team")).orElseThrow();

        // The deletion (mark + sweep) lands right after one's NAR was copied: one's narinfo and
        // index item are written after the sweep, as in CacheIncarnationTest.
        AtomicBoolean deleted = deleteTeamOnceCopied(f, one);
        // Then a store call for the next path fails (throttling, a 5xx after the SDK's retries).
        failHeadsOf(f, two);

        try {
            f.services.verify().run(job); // stops at one's own confirm (cache gone), never reaches two
        } catch (IllegalStateException e) {
            assertThat(e).hasMessageContaining(STORE_FAILURE); // a run that reaches two must still have confirmed one
        }
        assertThat(deleted).isTrue();

        // Lambda delivers the job again: the cache is gone, the run writes nothing and removes nothing.
        f.objects.beforeHead(key -> { });
        assertThat(f.services.verify().run(job)).extracting(VerifyService.Outcome::state)
                .containsOnly(PathState.REJECTED);

        // Fails today: team/<one>.narinfo is still there (CloudFront serves S3 directly), its URL names
        // a NAR the sweep already removed, and its index item remains; nothing will ever remove them
        // short of re-creating the name after the reservation.
        assertThat(f.objects.keys()).as("nothing of the deleted cache is readable").noneMatch(k -> k.startsWith("team/"));
        assertThat(f.paths.record(first, one.path().hash())).as("nothing of it is indexed").isEmpty();
    }

    @Test
    void aStoreFailureMustNotLeaveTheRunsPublishedPathsUncounted() {
        Fixture f = deferring();
        Fixture.Nar one = nar("one");
        Fixture.Nar two = nar("two");
        VerifyJob job = deferred(f, one, two);

        String twoFile = two.fileHash().toNix32();
        AtomicBoolean failOnce = new AtomicBoolean(true);
        f.objects.beforeHead(key -> {
            if (key.contains(twoFile) && failOnce.compareAndSet(true, false)) {
                throw new IllegalStateException(STORE_FAILURE);
            }
        });
        assertThatThrownBy(() -> f.services.verify().run(job)).hasMessageContaining(STORE_FAILURE);
        // The retry publishes two; one is already published and is skipped.
        assertThat(f.services.verify().run(job)).extracting(VerifyService.Outcome::state)
                .containsExactly(PathState.PUBLISHED, PathState.PUBLISHED);

        assertThat(f.metrics.total("PathsPublished")).as("both paths were published").isEqualTo(2.0);
    }

    /** Contrast: the same failure in a publish request is confirmed by its finally and undone. */
    @Test
    void thePublishRequestUndoesItsWritesOnTheSameFailure() {
        Fixture f = new Fixture();
        f.createCache("team");
        Fixture.Nar one = nar("one");
        Fixture.Nar two = nar("two");
        f.uploadAll("team", one, two);
        AtomicBoolean deleted = deleteTeamOnceCopied(f, one);
        failHeadsOf(f, two);
        assertThatThrownBy(() -> f.services.publish().publish(ADMIN, "team", new PublishRequest(List.of(one.info(), two.info()))))
                .isInstanceOf(DomainException.class);
        assertThat(f.objects.keys()).noneMatch(k -> k.startsWith("team/"));
    }

    /**
     * The doc (design.md, "Cache incarnations") promises that a verify job overtaken by a deletion
     * "stops and writes nothing more": with the mark set and the sweep still on its way (it sweeps
     * {@code <cache>/} before {@code _staging/<cache>/}, minutes for a big cache), a run that only
     * looked at the cache at its end went on verifying staged files and publishing narinfos into the
     * deleted cache for the rest of its up to 14 minutes.
     */
    @Test
    void aVerifyRunOvertakenByADeletionMustNotGoOnPublishing() {
        Fixture f = deferring();
        Fixture.Nar one = nar("one");
        Fixture.Nar two = nar("two");
        Fixture.Nar three = nar("three");
        VerifyJob job = deferred(f, one, two, three);
        CacheRecord first = f.caches.get(CacheName.of("team")).orElseThrow();

        AtomicBoolean marked = new AtomicBoolean();
        List<String> writesAfterMark = new CopyOnWriteArrayList<>();
        f.objects.afterWrite(entry -> {
            if (marked.get()) {
                writesAfterMark.add(entry);
            }
            if (entry.startsWith("delete _staging/team/" + Fixture.staged(one.fileHash())) && marked.compareAndSet(false, true)) {
                // The deletion's mark; its sweep (team/ first, then _staging/team/) is still on its way.
                f.caches.markDeleted(first.name(), first.incarnation(), f.clock.instant());
            }
        });

        f.services.verify().run(job);

        assertThat(writesAfterMark).as("narinfos published into the cache after it was marked deleted")
                .noneMatch(w -> w.startsWith("put team/" + two.path().hash()) || w.startsWith("put team/" + three.path().hash()));
    }

    /** A cache "team" whose publish verifies nothing inline: every path goes to the verify function. */
    private static Fixture deferring() {
        Fixture f = new Fixture(CacheSettings.defaults("https://c.example").withInlineVerifyMaxBytes(10));
        f.createCache("team");
        return f;
    }

    /** Uploads and publishes {@code nars} in one request, and answers the verify job it queued. */
    private static VerifyJob deferred(Fixture f, Fixture.Nar... nars) {
        f.uploadAll("team", nars);
        f.services.publish().publish(ADMIN, "team", new PublishRequest(Arrays.stream(nars).map(Fixture.Nar::info).toList()));
        return f.queue.jobs().getFirst();
    }

    /**
     * Deletes "team" (mark and sweep) right after {@code nar}'s file was copied out of staging, so
     * that its narinfo and index item are written after the sweep, as in CacheIncarnationTest.
     */
    private static AtomicBoolean deleteTeamOnceCopied(Fixture f, Fixture.Nar nar) {
        AtomicBoolean deleted = new AtomicBoolean();
        f.objects.afterWrite(entry -> {
            if (entry.startsWith("delete _staging/team/" + Fixture.staged(nar.fileHash())) && deleted.compareAndSet(false, true)) {
                f.services.caches().delete(ADMIN, "team");
            }
        });
        return deleted;
    }

    /** Makes every HEAD of {@code nar}'s file fail, as a store throttling past the SDK's retries would. */
    private static void failHeadsOf(Fixture f, Fixture.Nar nar) {
        String file = nar.fileHash().toNix32();
        f.objects.beforeHead(key -> {
            if (key.contains(file)) {
                throw new IllegalStateException(STORE_FAILURE);
            }
        });
    }
}
