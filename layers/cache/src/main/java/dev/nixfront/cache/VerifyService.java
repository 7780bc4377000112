package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.VerificationQueue;
import dev.nixfront.cache.port.VerifyJob;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The asynchronous half of publish: reads the index records a {@link VerifyJob} names and, in the
 * job's order, verifies and publishes those still {@code verifying}, or records each as rejected
 * with the reason. A path already published is done; one already rejected stays so and, like a
 * rejection here, rejects its referrers in the job; a hash with no record (a forged job) is
 * reported and skipped. Bad uploads never throw (a retry would fail the same way); failures of the
 * stores do, so the job is delivered again, which is safe because every step is idempotent.
 *
 * <p>One run does only the work that fits the verify function's timeout: a path is started only if
 * the time spent so far (the larger of the time that passed and the estimates of the paths started)
 * plus its {@link VerifyRates#estimate} stays within {@link CacheSettings#MAX_VERIFY_TIME}, and the
 * first path always is (publish refuses any path whose estimate alone exceeds it). A few NARs are
 * verified at once ({@link VerifyAhead}), their narinfos written one at a time in the job's order;
 * the paths being verified count with their estimates as if they ran one after the other, so the
 * run commits to no more estimated work than one path at a time would. The paths left are handed on, in order, as a new job with the
 * same queue; it starts only after this run has published or rejected everything before them, so
 * references still come before referrers, across runs as within one. A job of 200 large paths used
 * to be one run that outlasted Lambda's 15 minutes, and each retry started over.
 */
public final class VerifyService {
    private final CacheRepository caches;
    private final PathIndex paths;
    private final PathPublisher publisher;
    private final VerificationQueue queue;
    private final Clock clock;
    private final VerifyRates rates;

    VerifyService(CacheRepository caches, PathIndex paths, PathPublisher publisher, VerificationQueue queue, Clock clock,
                  VerifyRates rates) {
        this.caches = Objects.requireNonNull(caches);
        this.paths = Objects.requireNonNull(paths);
        this.publisher = Objects.requireNonNull(publisher);
        this.queue = Objects.requireNonNull(queue);
        this.clock = Objects.requireNonNull(clock);
        this.rates = Objects.requireNonNull(rates);
    }

    /**
     * What became of each path of a job.
     *
     * @param path  the store path, or only its hash when no record names the path
     * @param state null when the index has no record for the hash (nothing was done)
     */
    public record Outcome(String path, PathState state, String reason) {}

    /** Runs the job, handing what does not fit this run to the service's own queue. */
    public List<Outcome> run(VerifyJob job) {
        return run(job, queue);
    }

    /**
     * Runs the job, handing what does not fit this run to {@code handOff}: in Lambda, the verify
     * function's own alias, which only the running invocation knows.
     *
     * @return what became of each path this run handled; the paths handed on are not among them
     */
    public List<Outcome> run(VerifyJob job, VerificationQueue handOff) {
        Instant start = clock.instant();
        String problem = CacheName.problem(job.cache());
        if (problem != null) {
            throw new IllegalArgumentException("verify job for an invalid cache name: " + problem);
        }
        Optional<CacheRecord> found = caches.get(new CacheName(job.cache()))
                .filter(c -> c.live() && c.incarnation().equals(job.incarnation()));
        List<Outcome> outcomes = new ArrayList<>();
        if (found.isEmpty()) {
            // Deleted since the job was queued (and perhaps created again: another incarnation):
            // nothing may be published into it.
            for (String hash : job.storeHashes()) {
                outcomes.add(new Outcome(hash, PathState.REJECTED, "cache " + job.cache() + " no longer exists"));
            }
            return outcomes;
        }
        CacheRecord cache = found.get();
        List<StorePathHash> hashes = job.storeHashes().stream().map(StorePathHash::new).toList();
        Map<StorePathHash, PathRecord> records = paths.get(cache, hashes);
        Run run = new Run(cache, outcomes);
        boolean verified = false;
        Duration spent = Duration.ZERO;
        try (VerifyAhead<PathRecord> ahead = new VerifyAhead<>(publisher, cache)) {
            try {
                for (int i = 0; i < hashes.size(); i++) {
                    StorePathHash hash = hashes.get(i);
                    PathRecord record = records.get(hash);
                    if (record == null || record.state() != PathState.VERIFYING) {
                        // Outcomes keep the job's order: what is being verified comes first.
                        run.finish(ahead);
                        run.skip(hash, record);
                        continue;
                    }
                    NarInfo info = record.info();
                    // The first path to verify always starts, so every run makes progress.
                    if (verified && !fits(start, spent, info)) {
                        run.finish(ahead);
                        handOff.submit(new VerifyJob(job.cache(), job.incarnation(), job.storeHashes().subList(i, hashes.size())));
                        return outcomes;
                    }
                    verified = true;
                    spent = spent.plus(estimate(info));
                    if (info.references().stream().anyMatch(run.failed::contains)) {
                        // Rejected without a look at its NAR, as it always was.
                        run.finish(ahead);
                        outcomes.add(verify(record, null, run));
                        continue;
                    }
                    ahead.start(record, info, estimate(info));
                    if (ahead.full()) {
                        run.write(ahead.next());
                    }
                }
                run.finish(ahead);
            } catch (CacheGoneException gone) {
                // Deleted while this job ran: the publisher removed what it wrote; write nothing more.
                // Each hash handled so far has its outcome, in the job's order.
                for (StorePathHash rest : hashes.subList(outcomes.size(), hashes.size())) {
                    outcomes.add(new Outcome(rest.value(), PathState.REJECTED, gone.getMessage()));
                }
                return outcomes;
            } finally {
                run.abandon(ahead);
            }
        }
        return outcomes;
    }

    /** What one run has done so far: its outcomes in the job's order, and the paths it published or rejected. */
    private final class Run {
        /**
         * The cache as last read: at the start, then by each path's confirmation. A path's checks
         * (its references in the index or served by the upstreams) use the latest, so a change of
         * the upstream list reaches the rest of a job at once, not only its next run.
         */
        CacheRecord cache;
        final List<Outcome> outcomes;
        final Set<StorePath> done = new HashSet<>();
        final Set<StorePath> failed = new HashSet<>();
        /** What the upstreams served this job: reused within it, never by another. */
        final UpstreamCheck.Answers answers = new UpstreamCheck.Answers();
        /** What this run indexed: a reference among them needs no second look ({@link PathPublisher.Indexed}). */
        final PathPublisher.Indexed indexed = new PathPublisher.Indexed();

        Run(CacheRecord cache, List<Outcome> outcomes) {
            this.cache = cache;
            this.outcomes = outcomes;
        }

        /** A hash of the job with nothing to verify: no record, or a path published, being deleted or rejected. */
        void skip(StorePathHash hash, PathRecord record) {
            if (record == null) {
                outcomes.add(new Outcome(hash.value(), null, "no index record for this hash: skipped"));
                return;
            }
            NarInfo info = record.info();
            if (record.state() == PathState.REJECTED) {
                // Rejected by an earlier delivery of this job; verifying again would fail the same way.
                failed.add(info.storePath());
                outcomes.add(new Outcome(info.storePath().toString(), PathState.REJECTED, record.reason()));
                return;
            }
            // Delivered again after it was done (Lambda retries whole jobs), or published by a
            // later batch: published paths are never touched again. One a collection has taken
            // since is the collection's: its referrers in this job find it gone and are rejected.
            done.add(info.storePath());
            outcomes.add(new Outcome(info.storePath().toString(), PathState.PUBLISHED, null));
        }

        void write(VerifyAhead.Started<PathRecord> next) {
            outcomes.add(verify(next.item(), next, this));
        }

        /** Writes every path being verified, in order. */
        void finish(VerifyAhead<PathRecord> ahead) {
            while (!ahead.isEmpty()) {
                write(ahead.next());
            }
        }

        /**
         * After a failure: what paths verified ahead copied is confirmed with a look at the cache,
         * which removes it if the cache is gone (their narinfos were never written).
         */
        void abandon(VerifyAhead<PathRecord> ahead) {
            List<PathPublisher.Written> placed = ahead.abandon();
            if (placed.isEmpty()) {
                return;
            }
            try {
                publisher.confirm(cache, new ArrayList<>(placed));
            } catch (CacheGoneException gone) {
                // Removed, as the run's answer already says.
            }
        }
    }

    /**
     * Whether the path, started now, ends within this run's time: counting what this run has used,
     * the larger of the time that passed and the estimates of the paths it did (estimates are taken
     * slow, but a slow store may still be slower), plus this path's estimate.
     */
    private boolean fits(Instant start, Duration estimated, NarInfo info) {
        Duration used = Duration.between(start, clock.instant());
        if (estimated.compareTo(used) > 0) {
            used = estimated;
        }
        return used.plus(estimate(info)).compareTo(CacheSettings.MAX_VERIFY_TIME) <= 0;
    }

    private Duration estimate(NarInfo info) {
        return rates.estimate(info.fileSize(), info.narSize(), info.compression());
    }

    /**
     * Publishes one {@code verifying} path, its NAR verified ahead ({@code verified}; null: not
     * started, for a path whose reference was rejected), or records why it is rejected: over this
     * very record only, so a later request's verifying record of the path (written since this one
     * was read) keeps its own verification. Confirms with a look at the cache after each path.
     */
    private Outcome verify(PathRecord record, VerifyAhead.Started<PathRecord> verified, Run run) {
        CacheRecord cache = run.cache;
        Set<StorePath> done = run.done;
        Set<StorePath> failed = run.failed;
        NarInfo info = record.info();
        String reason = unpublishedReference(cache, info, done, failed);
        String metricReason = "MissingReference";
        if (reason == null && verified != null) {
            List<PathPublisher.Written> written = new ArrayList<>(1);
            try {
                try {
                    publisher.write(cache, verified.placed(), written, run.answers, run.indexed);
                } finally {
                    // Also after a 409: a NAR this call copied is confirmed or removed like the rest.
                    run.cache = publisher.confirm(cache, written);
                }
                done.add(info.storePath());
                return new Outcome(info.storePath().toString(), PathState.PUBLISHED, null);
            } catch (VerificationFailure f) {
                publisher.reject(cache, info, record, f.field() + ": " + f.reason(), f.metricReason());
                failed.add(info.storePath());
                return new Outcome(info.storePath().toString(), PathState.REJECTED, f.field() + ": " + f.reason());
            } catch (DomainException e) {
                reason = e.reason();
                metricReason = "Conflict";
            }
        } else if (reason != null) {
            reason = "references: " + reason;
        }
        publisher.reject(cache, info, record, reason, metricReason);
        failed.add(info.storePath());
        return new Outcome(info.storePath().toString(), PathState.REJECTED, reason);
    }

    private String unpublishedReference(CacheRecord cache, NarInfo info, Set<StorePath> done, Set<StorePath> failed) {
        List<StorePath> lookup = new ArrayList<>();
        for (StorePath ref : info.references()) {
            if (failed.contains(ref)) {
                return ref.baseName() + " was rejected";
            }
            if (!ref.equals(info.storePath()) && !done.contains(ref)) {
                lookup.add(ref);
            }
        }
        if (lookup.isEmpty()) {
            return null;
        }
        Map<StorePathHash, PathRecord> found = paths.get(cache, lookup.stream().map(StorePath::hash).toList());
        for (StorePath ref : lookup) {
            PathRecord r = found.get(ref.hash());
            if (r == null && !cache.upstreams().isEmpty()) {
                // Maybe an upstream's: the publisher's look at the references asks them.
                continue;
            }
            if (r == null || !r.readable() || !r.info().storePath().equals(ref)) {
                return ref.baseName() + " is not published";
            }
        }
        return null;
    }
}
