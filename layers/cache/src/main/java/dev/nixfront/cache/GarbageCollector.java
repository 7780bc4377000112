package dev.nixfront.cache;

import dev.nixfront.api.ApiError;
import dev.nixfront.api.CacheInfo;
import dev.nixfront.api.Durations;
import dev.nixfront.api.GcReport;
import dev.nixfront.api.GcRequest;
import dev.nixfront.api.GcStatus;
import dev.nixfront.api.RemovePathsRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.CollectionQueue;
import dev.nixfront.cache.port.CollectionRepository;
import dev.nixfront.cache.port.GcJob;
import dev.nixfront.cache.port.GcPolicy;
import dev.nixfront.cache.port.NarRecord;
import dev.nixfront.cache.port.NarRegistry;
import dev.nixfront.cache.port.ObjectStore;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.cache.port.PinRecord;
import dev.nixfront.cache.port.PinRepository;
import dev.nixfront.cache.port.RootRecord;
import dev.nixfront.cache.port.RootRepository;
import dev.nixfront.cache.port.UsageCounter;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Garbage collection of one cache, and removal of named paths: mark what stays, then sweep the rest.
 *
 * <p><b>Mark.</b> Live are the closures (references, followed through the index) of every pinned
 * revision, of every path still verifying (its references must stay until it is published), and of
 * every root pushed within the cache's retention, where a published path counts as a root pushed
 * when it was published (so a push whose root report was lost keeps its closure anyway). With a
 * size limit the roots are taken newest first, and once the kept NAR bytes reach the limit older
 * roots' closures are no longer kept. Without a retention and a size limit nothing is collected. A
 * removal dooms the paths named (with {@code recursive}, and their referrers) instead.
 *
 * <p><b>Sweep</b>, in the order that keeps every narinfo Nix can fetch whole (see {@link PathPublisher}
 * for the publisher's side): every doomed path is marked {@code collecting} with the collection's run
 * (only if it is still published as it was read); then the collection waits the fence, after which
 * every publish that counted on one of them has written and indexed its narinfo (and so took it back)
 * or given up; then it lists and reads the cache again, keeps every marked path that something not
 * marked needs (a path published meanwhile, a pin added, one a push took back), and takes the rest
 * referrers first: {@code deleting}, narinfo, item, claim on its NAR. A NAR object that no kept
 * narinfo names is doomed (from now, or since an earlier collection doomed it) and deleted once the
 * cache's grace is over, only through {@link NarRegistry#startDeleting}, which no publish can get past.
 *
 * <p><b>A job.</b> Every step reads its state from the index (the run's marks), so a collection runs
 * in as many invocations as it needs: one that is out of time hands the rest to the
 * {@link CollectionQueue} and the next lists the cache again. A lease ({@link CollectionRepository})
 * keeps one collection per cache at a time; a run finding marks of a dead one takes them over.
 */
public final class GarbageCollector {
    /** How long the sweep waits: {@link Thread#sleep} in production, a clock that jumps in tests. */
    @FunctionalInterface
    public interface Pause {
        void sleep(Duration duration);

        Pause REAL = duration -> {
            try {
                Thread.sleep(duration);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the collection fence", e);
            }
        };
    }

    /** A lease outlasts an invocation (Lambda's 15 minutes) by a minute, so it lapses only when its job died. */
    static final Duration LEASE = Duration.ofMinutes(16);
    /** A handed-on job may wait in Lambda's queue up to its maximum event age (an hour) before it runs. */
    static final Duration QUEUED_LEASE = LEASE.plusHours(1);
    /** Conditional writes a sweep keeps in flight: they are independent, and each waits a round trip. */
    static final int PARALLEL_WRITES = 16;

    private final CacheRepository caches;
    private final CacheLookup lookup;
    private final PathIndex paths;
    private final NarRegistry nars;
    private final ObjectStore objects;
    private final RootRepository roots;
    private final PinRepository pins;
    private final CollectionRepository collections;
    private final CollectionQueue queue;
    private final Clock clock;
    private final Pause pause;
    private final Duration fence;
    private final SecureRandom random;
    private final UsageCounter usage;
    private final String storeDir;

    GarbageCollector(Ports ports, Clock clock, Pause pause, CacheSettings settings, SecureRandom random) {
        this.caches = ports.caches();
        this.lookup = new CacheLookup(ports.caches());
        this.paths = ports.paths();
        this.nars = ports.nars();
        this.objects = ports.objects();
        this.roots = ports.roots();
        this.pins = ports.pins();
        this.collections = ports.collections();
        this.queue = ports.collectionQueue();
        this.usage = ports.usage();
        this.clock = Objects.requireNonNull(clock);
        this.pause = Objects.requireNonNull(pause);
        this.fence = settings.collectionFence();
        this.storeDir = settings.storeDir();
        this.random = Objects.requireNonNull(random);
    }

    /**
     * Collects, or with {@code dryRun} reports what would go, for an admin of the cache: done at once
     * where the fence fits a request (the local stack), else queued as a job ({@link GcStatus#RUNNING}).
     */
    public GcStatus collect(Principal principal, String cacheName, GcRequest request) {
        CacheRecord cache = lookup.require(principal, cacheName, Permission.ADMIN);
        Instant now = clock.instant();
        if (request != null && request.dry()) {
            return dryRun(cache, now, null, false);
        }
        return start(cache, null, false);
    }

    /**
     * Removes the paths named ({@code nixfront path rm}), refusing (409, naming them) while a path
     * not removed references one, unless {@code recursive}, and while one is pinned.
     */
    public GcStatus remove(Principal principal, String cacheName, RemovePathsRequest request) {
        CacheRecord cache = lookup.require(principal, cacheName, Permission.ADMIN);
        if (request == null || request.paths().isEmpty()) {
            throw DomainException.invalid("paths", "name at least one store path");
        }
        if (request.paths().size() > RemovePathsRequest.MAX) {
            throw DomainException.invalid("paths", "at most " + RemovePathsRequest.MAX + " paths per request, got " + request.paths().size());
        }
        List<String> named = new ArrayList<>();
        for (int i = 0; i < request.paths().size(); i++) {
            named.add(RootService.storePath(request.paths().get(i), storeDir, "paths[" + i + "]").toString());
        }
        if (request.dry()) {
            return dryRun(cache, clock.instant(), named, request.recursively());
        }
        List<String> distinct = List.copyOf(new LinkedHashSet<>(named));
        refuseAbsentOrPinned(cache, distinct);
        return start(cache, distinct, request.recursively());
    }

    /**
     * What the request alone decides, before it takes the cache's lease (found by the outside review:
     * a refused removal replaced the last collection's outcome, and in AWS answered 202): named paths
     * the cache has not published (404), pinned ones (409). One batched read of the paths and the
     * pins; the referrers need the whole listing, which the job reads.
     */
    private void refuseAbsentOrPinned(CacheRecord cache, List<String> named) {
        List<StorePath> paths = named.stream().map(p -> RootService.storePath(p, storeDir, "paths")).toList();
        Map<StorePathHash, PathRecord> found = this.paths.get(cache, paths.stream().map(StorePath::hash).toList());
        List<String> absent = paths.stream().filter(p -> {
            PathRecord r = found.get(p.hash());
            return r == null || !r.readable() || !r.info().storePath().equals(p);
        }).map(StorePath::toString).toList();
        if (!absent.isEmpty()) {
            throw new DomainException(DomainException.Kind.NOT_FOUND, "paths", absent.size() + " of the paths are not published in cache "
                    + cache.name() + ": " + String.join(", ", absent.subList(0, Math.min(absent.size(), 20))));
        }
        Set<StorePathHash> hashes = new HashSet<>(paths.stream().map(StorePath::hash).toList());
        List<String> pinned = new ArrayList<>();
        for (PinRecord pin : pins.list(cache)) {
            for (PinRecord.Revision revision : pin.revisions()) {
                if (hashes.contains(revision.path().hash())) {
                    pinned.add(revision.path() + " is pinned as " + pin.name());
                }
            }
        }
        if (!pinned.isEmpty()) {
            throw DomainException.conflict("paths", String.join("; ", pinned.subList(0, Math.min(pinned.size(), 20)))
                    + " (nixfront pin rm " + cache.name() + " NAME first)");
        }
    }

    /** The collection running on the cache, or the last one's outcome (404 when none ever ran). */
    public GcStatus status(Principal principal, String cacheName) {
        CacheRecord cache = lookup.require(principal, cacheName, Permission.ADMIN);
        return collections.get(cache, clock.instant()).orElseThrow(() -> DomainException.notFound("cache",
                "no collection has run on cache " + cache.name() + " (nixfront gc " + cache.name() + ")"));
    }

    /**
     * The daily schedule: starts a collection of every live cache with a retention or a size limit
     * (one job each, queued to {@code jobs}: in AWS the collect function's own alias), skipping a
     * cache whose previous collection still runs; a job that cannot be queued fails alone.
     *
     * @return the collections started (and those that could not be)
     */
    public List<GcStatus> scheduled(CollectionQueue jobs) {
        List<GcStatus> started = new ArrayList<>();
        for (CacheRecord cache : caches.list()) {
            if (cache.live() && cache.gc().collects()) {
                String run = newRun();
                Instant now = clock.instant();
                if (collections.start(cache, run, now, now.plus(QUEUED_LEASE)).isEmpty()) {
                    try {
                        submit(jobs, cache, new GcJob(cache.name().value(), cache.incarnation(), run, now, null, null, false, null));
                        started.add(new GcStatus(cache.name().value(), run, GcStatus.RUNNING, now, null, null, null));
                    } catch (RuntimeException e) {
                        // Its lease is given up (failed); the other caches are still collected today.
                        started.add(new GcStatus(cache.name().value(), run, GcStatus.FAILED, now, clock.instant(),
                                new ApiError("internal", null, "could not be queued: " + e.getClass().getSimpleName()), null));
                    }
                }
            }
        }
        return started;
    }

    private GcStatus dryRun(CacheRecord cache, Instant now, List<String> remove, boolean recursive) {
        GcJob job = new GcJob(cache.name().value(), cache.incarnation(), newRun(), now, null, remove, recursive, null);
        Plan plan = plan(cache, job, now, read(cache), true);
        return new GcStatus(cache.name().value(), null, GcStatus.DONE, now, now, null, plan.dryReport());
    }

    private GcStatus start(CacheRecord cache, List<String> remove, boolean recursive) {
        String run = newRun();
        Instant now = clock.instant();
        // The local stack's fence (10 s) fits a request: it wires no queue, and runs collections inline.
        boolean inline = queue == CollectionQueue.NONE;
        Optional<GcStatus> holder = collections.start(cache, run, now, now.plus(inline ? LEASE : QUEUED_LEASE));
        if (holder.isPresent()) {
            throw DomainException.conflict("cache", "a collection of cache " + cache.name() + " is running (run "
                    + holder.get().run() + ", since " + holder.get().startedAt() + "); see nixfront gc " + cache.name() + " --status");
        }
        GcJob job = new GcJob(cache.name().value(), cache.incarnation(), run, now, null, remove, recursive, null);
        if (inline) {
            try {
                return run(job, Instant.MAX, CollectionQueue.NONE);
            } catch (DomainException refused) {
                throw refused; // recorded by run
            } catch (RuntimeException e) {
                // Nothing retries an inline run: give the lease up at once (the next run takes over its marks).
                failed(cache, job, new ApiError("internal", null, "the collection failed: " + e.getClass().getSimpleName()));
                throw e;
            }
        }
        // In AWS the fence (2 minutes) is longer than a request may take (29 s): a job of its own.
        submit(queue, cache, job);
        return new GcStatus(cache.name().value(), run, GcStatus.RUNNING, now, null, null, null);
    }

    /** Queues a job whose lease is taken; if it cannot be queued, gives the lease up rather than hold the cache for nothing. */
    private void submit(CollectionQueue jobs, CacheRecord cache, GcJob job) {
        try {
            jobs.submit(job);
        } catch (RuntimeException e) {
            failed(cache, job, new ApiError("internal", null, "the collection could not be queued: " + e.getClass().getSimpleName()));
            throw e;
        }
    }

    private void failed(CacheRecord cache, GcJob job, ApiError why) {
        collections.finish(cache, new GcStatus(job.cache(), job.run(), GcStatus.FAILED, job.startedAt(), clock.instant(), why, null));
    }

    /**
     * One invocation of a job: goes on from what the index says the run has done, until done or
     * {@code deadline}, then hands the rest to {@code handOff}. A refused removal ends the job as
     * failed and throws its {@link DomainException} (409); a backend failure throws and leaves the
     * lease to a retry of the same job, or to lapse.
     *
     * @return the outcome, or {@link GcStatus#RUNNING} when handed on (or when another run holds the cache)
     */
    public GcStatus run(GcJob job, Instant deadline, CollectionQueue handOff) {
        Objects.requireNonNull(handOff, "handOff");
        Instant now = clock.instant();
        Optional<CacheRecord> found = caches.get(new CacheName(job.cache()))
                .filter(c -> c.live() && c.incarnation().equals(job.incarnation()));
        if (found.isEmpty()) {
            // Deleted since (its records with it): nothing to collect, no record to finish.
            return new GcStatus(job.cache(), job.run(), GcStatus.FAILED, job.startedAt(), now,
                    new ApiError("not_found", "cache", "cache " + job.cache() + " was deleted while it was being collected"), null);
        }
        CacheRecord cache = found.get();
        if (!collections.extend(cache, job.run(), now.plus(LEASE))) {
            // Another run holds the cache (this one's lease lapsed while it waited in the queue): it
            // takes over this run's marks, so this one stops here.
            return new GcStatus(job.cache(), job.run(), GcStatus.ABANDONED, job.startedAt(), now, null, null);
        }
        try {
            Step step = new Step(cache, job, deadline);
            GcReport report = step.go();
            if (report == null) {
                collections.extend(cache, job.run(), clock.instant().plus(QUEUED_LEASE));
                handOff.submit(job.continued(step.lastMarkAt, step.partial()));
                return new GcStatus(job.cache(), job.run(), GcStatus.RUNNING, job.startedAt(), null, null, null);
            }
            if (caches.get(cache.name()).filter(c -> c.live() && c.incarnation().equals(cache.incarnation())).isEmpty()) {
                // Deleted while it ran (found by the outside review: it answered "done, 0 collected"):
                // the deletion swept the cache, its record included.
                return new GcStatus(job.cache(), job.run(), GcStatus.FAILED, job.startedAt(), clock.instant(),
                        new ApiError("not_found", "cache", "cache " + job.cache() + " was deleted while it was being collected"), null);
            }
            GcStatus done = new GcStatus(job.cache(), job.run(), GcStatus.DONE, job.startedAt(), clock.instant(), null, report);
            collections.finish(cache, done);
            return done;
        } catch (DomainException refused) {
            failed(cache, job, refused.toApiError());
            throw refused;
        }
    }

    /** Every path item of the cache, read now. */
    private Map<StorePathHash, PathRecord> read(CacheRecord cache) {
        return new HashMap<>(paths.get(cache, paths.listHashes(cache)));
    }

    /** What nothing keeps, and why: the doomed paths and the NAR objects no kept narinfo names. */
    private final class Plan {
        final CacheRecord cache;
        final GcJob job;
        final Instant now;
        final Instant cutoff;
        final Map<StorePathHash, PathRecord> records;
        final Map<StorePathHash, String> doomed = new LinkedHashMap<>();
        final Set<StorePathHash> kept = new HashSet<>();
        final Map<String, String> narCandidates = new LinkedHashMap<>();
        long bytesKept;
        String note;

        Plan(CacheRecord cache, GcJob job, Instant now, Map<StorePathHash, PathRecord> records) {
            this.cache = cache;
            this.job = job;
            this.now = now;
            this.records = records;
            this.cutoff = job.removal() || cache.gc().retention() == null ? null : now.minus(cache.gc().retention());
        }

        GcReport dryReport() {
            List<GcReport.GcPath> listed = new ArrayList<>();
            long bytes = 0;
            for (Map.Entry<StorePathHash, String> e : doomed.entrySet()) {
                NarInfo info = records.get(e.getKey()).info();
                bytes += info.fileSize();
                if (listed.size() < GcReport.MAX_LISTED) {
                    listed.add(new GcReport.GcPath(info.storePath().toString(), info.fileSize(), e.getValue()));
                }
            }
            List<GcReport.GcNar> narsListed = new ArrayList<>();
            Map<String, NarRecord> doomedSince = nars.get(cache, narCandidates.keySet());
            int delete = 0;
            for (Map.Entry<String, String> e : narCandidates.entrySet()) {
                NarRecord r = doomedSince.get(e.getKey());
                Instant after = (r != null && r.doomedAt() != null ? r.doomedAt() : now).plus(cache.gc().grace());
                boolean due = !after.isAfter(now);
                delete += due ? 1 : 0;
                if (narsListed.size() < GcReport.MAX_LISTED) {
                    narsListed.add(new GcReport.GcNar(e.getKey(), due ? "delete" : "doom", after, e.getValue()));
                }
            }
            Set<String> named = logsNamed(cache, records.values().stream().filter(r -> !doomed.containsKey(r.hash())).toList());
            int logs = (int) objects.listKeys(Layout.logPrefix(cache.name())).stream().filter(k -> !named.contains(k)).count();
            return report(true, kept.size(), bytesKept, doomed.size(), bytes, delete, narCandidates.size() - delete, listed, narsListed,
                    logs);
        }

        GcReport report(boolean dry, int pathsKept, long keptBytes, int collected, long collectedBytes, int narsDeleted,
                        int narsDoomed, List<GcReport.GcPath> listed, List<GcReport.GcNar> narsListed, int logsDeleted) {
            GcPolicy policy = cache.gc();
            return new GcReport(cache.name().value(), dry, now,
                    policy.retention() == null ? CacheInfo.FOREVER : Durations.format(policy.retention()), policy.maxSize(),
                    Durations.format(policy.grace()), pathsKept, keptBytes, collected, collectedBytes, narsDeleted, narsDoomed,
                    listed, narsListed, note, logsDeleted);
        }
    }

    /** The log keys of the derivers of {@code records}: the logs Nix can reach through their narinfos. */
    private static Set<String> logsNamed(CacheRecord cache, Collection<PathRecord> records) {
        Set<String> named = new HashSet<>();
        for (PathRecord r : records) {
            if (r.info().deriver() != null) {
                named.add(Layout.log(cache.name(), r.info().deriver()));
            }
        }
        return named;
    }

    /** A root of the mark: a path, since when it is one, and what makes it one. */
    private record Root(StorePathHash hash, Instant since, String what) {}

    /**
     * Judges every path of {@code records}. A path collecting (for this run or a dead one) is judged
     * as published: the plan decides again whether it goes.
     *
     * @param beforeMarking a removal is refused only before its job marked anything; after, a referrer
     *                      published since keeps what it references instead
     */
    private Plan plan(CacheRecord cache, GcJob job, Instant now, Map<StorePathHash, PathRecord> records, boolean beforeMarking) {
        Plan plan = new Plan(cache, job, now, records);
        List<Root> always = new ArrayList<>();
        Map<StorePathHash, String> pinnedBy = new HashMap<>();
        for (PinRecord pin : pins.list(cache)) {
            for (PinRecord.Revision revision : pin.revisions()) {
                always.add(new Root(revision.path().hash(), Instant.MAX, "pin " + pin.name()));
                pinnedBy.putIfAbsent(revision.path().hash(), pin.name());
            }
        }
        List<Root> dated = new ArrayList<>();
        for (PathRecord r : records.values()) {
            if (r.state() == PathState.VERIFYING) {
                always.add(new Root(r.hash(), Instant.MAX, "verifying"));
            } else if (r.readable()) {
                dated.add(new Root(r.hash(), r.updatedAt(), "published"));
            } else if (r.state() == PathState.DELETING) {
                // An earlier invocation or collection was removing it: its narinfo may be gone already; the sweep finishes it.
                plan.kept.add(r.hash());
            }
        }
        if (job.removal()) {
            planRemoval(plan, pinnedBy, beforeMarking);
        } else if (!cache.gc().collects()) {
            plan.note = "cache " + cache.name() + " keeps everything: it has no retention and no size limit"
                    + " (nixfront cache update " + cache.name() + " --retention DURATION)";
            for (PathRecord r : records.values()) {
                if (r.readable()) {
                    markFrom(plan, r.hash());
                }
            }
            return plan;
        } else {
            for (RootRecord root : roots.list(cache)) {
                dated.add(new Root(root.path().hash(), root.pushedAt(), "root"));
            }
            planCollection(plan, always, dated);
        }
        // NARs: every object of a doomed path (and for a collection every object under the cache's
        // nar/) that no kept narinfo names.
        Set<String> keptNars = new HashSet<>();
        for (StorePathHash h : plan.kept) {
            PathRecord r = records.get(h);
            if (r != null) {
                keptNars.add(narKey(cache, r.info()));
            }
        }
        Set<String> ofDoomedPaths = new HashSet<>();
        for (StorePathHash h : plan.doomed.keySet()) {
            ofDoomedPaths.add(narKey(cache, records.get(h).info()));
        }
        Set<String> candidates = new TreeSet<>(ofDoomedPaths);
        if (!job.removal()) {
            candidates.addAll(objects.listKeys(cache.name().value() + "/nar/"));
        }
        for (String key : candidates) {
            if (!keptNars.contains(key)) {
                plan.narCandidates.put(key, ofDoomedPaths.contains(key) ? "only collected paths name it" : "no narinfo of the cache names it");
            }
        }
        return plan;
    }

    private void planCollection(Plan plan, List<Root> always, List<Root> dated) {
        GcPolicy policy = plan.cache.gc();
        for (Root root : always) {
            markFrom(plan, root.hash());
        }
        dated.sort(Comparator.comparing(Root::since).reversed());
        Instant lastKept = null;
        for (Root root : dated) {
            if (plan.cutoff != null && root.since().isBefore(plan.cutoff)) {
                break;
            }
            if (policy.maxSize() != null && plan.bytesKept >= policy.maxSize()) {
                break;
            }
            markFrom(plan, root.hash());
            lastKept = root.since();
        }
        String beyondSize = policy.maxSize() == null || lastKept == null ? null
                : "beyond the size limit of " + policy.maxSize() + " bytes: roots pushed before " + lastKept + " go first";
        String outsideRetention = "not in the closure of a pin or of a root pushed since "
                + (plan.cutoff == null ? "ever" : plan.cutoff.toString());
        for (PathRecord r : plan.records.values()) {
            if (r.readable() && !plan.kept.contains(r.hash())) {
                boolean withinRetention = plan.cutoff == null || !r.updatedAt().isBefore(plan.cutoff);
                plan.doomed.put(r.hash(), withinRetention && beyondSize != null ? beyondSize : outsideRetention);
            }
        }
    }

    /**
     * The paths named, and with {@code recursive} every readable path that references one of them,
     * transitively. Refused (409) before anything is marked while a pin holds one of them, a path
     * verifying references one, or (without {@code recursive}) a readable path not named does; once
     * the run has marked paths, a referrer published since keeps its references instead (the sweep).
     */
    private void planRemoval(Plan plan, Map<StorePathHash, String> pinnedBy, boolean first) {
        Map<StorePathHash, List<PathRecord>> referrers = new HashMap<>();
        for (PathRecord r : plan.records.values()) {
            if (r.readable() || r.state() == PathState.VERIFYING) {
                for (StorePath ref : r.info().references()) {
                    if (!ref.hash().equals(r.hash())) {
                        referrers.computeIfAbsent(ref.hash(), k -> new ArrayList<>()).add(r);
                    }
                }
            }
        }
        List<String> absent = new ArrayList<>();
        Deque<StorePathHash> todo = new ArrayDeque<>();
        for (String text : plan.job.remove()) {
            StorePath path = RootService.storePath(text, storeDir, "paths");
            PathRecord r = plan.records.get(path.hash());
            if (r == null || !r.readable() || !r.info().storePath().equals(path)) {
                absent.add(text);
            } else if (plan.doomed.putIfAbsent(r.hash(), "named") == null) {
                todo.add(r.hash());
            }
        }
        if (first && !absent.isEmpty()) {
            throw new DomainException(DomainException.Kind.NOT_FOUND, "paths", absent.size() + " of the paths are not published in cache "
                    + plan.cache.name() + ": " + String.join(", ", absent.subList(0, Math.min(absent.size(), 20))));
        }
        List<String> inTheWay = new ArrayList<>();
        while (!todo.isEmpty()) {
            StorePathHash h = todo.poll();
            for (PathRecord referrer : referrers.getOrDefault(h, List.of())) {
                if (plan.doomed.containsKey(referrer.hash())) {
                    continue;
                }
                if (plan.job.recursive() && referrer.readable()) {
                    plan.doomed.put(referrer.hash(), "references " + plan.records.get(h).info().storePath());
                    todo.add(referrer.hash());
                } else {
                    inTheWay.add(referrer.info().storePath() + (referrer.state() == PathState.VERIFYING ? " (verifying)" : "")
                            + " references " + plan.records.get(h).info().storePath());
                }
            }
        }
        List<String> pinned = plan.doomed.keySet().stream().filter(pinnedBy::containsKey)
                .map(h -> plan.records.get(h).info().storePath() + " is pinned as " + pinnedBy.get(h)).toList();
        if (first && !pinned.isEmpty()) {
            throw DomainException.conflict("paths", String.join("; ", pinned.subList(0, Math.min(pinned.size(), 20)))
                    + " (nixfront pin rm " + plan.cache.name() + " NAME first)");
        }
        if (first && !inTheWay.isEmpty()) {
            throw DomainException.conflict("paths", inTheWay.size() + " paths that stay reference the paths to remove: "
                    + String.join("; ", inTheWay.subList(0, Math.min(inTheWay.size(), 20)))
                    + (plan.job.recursive() ? "" : " (--recursive removes them too)"));
        }
        for (PathRecord r : plan.records.values()) {
            if ((r.readable() || r.state() == PathState.VERIFYING) && !plan.doomed.containsKey(r.hash())) {
                markFrom(plan, r.hash());
            }
        }
        plan.doomed.keySet().removeAll(plan.kept);
    }

    /** Marks the closure of {@code start} kept, counting the NAR bytes of what it adds. */
    private static void markFrom(Plan plan, StorePathHash start) {
        Deque<StorePathHash> todo = new ArrayDeque<>();
        todo.add(start);
        while (!todo.isEmpty()) {
            StorePathHash h = todo.poll();
            PathRecord r = plan.records.get(h);
            if (r == null || !plan.kept.add(h)) {
                continue;
            }
            plan.bytesKept += r.info().fileSize();
            for (StorePath ref : r.info().references()) {
                todo.add(ref.hash());
            }
        }
    }

    /** One invocation's work on a job: mark, wait the fence, sweep paths, then NARs; null from {@link #go} when out of time. */
    private final class Step {
        final CacheRecord cache;
        final GcJob job;
        final Instant deadline;
        Instant lastMarkAt;
        final Set<StorePathHash> collected = ConcurrentHashMap.newKeySet();
        final Map<StorePathHash, PathRecord> collectedRecords = new ConcurrentHashMap<>();
        final Map<String, Instant> narOutcome = new ConcurrentHashMap<>();
        final Set<String> deletedNars = ConcurrentHashMap.newKeySet();
        final Set<String> deletedLogs = ConcurrentHashMap.newKeySet();
        /**
         * The cache's build logs, listed before this invocation reads the index: a log is stored
         * only for a path published at the time, so every log listed here has its path in the
         * readings that follow, unless that path was removed.
         */
        List<String> logs;
        /** The paths this invocation removed, in the report. */
        final List<PathRecord> done = new ArrayList<>();
        /** The marking plan's reading, which the sweep reuses when nothing was marked (no fence to wait). */
        Map<StorePathHash, PathRecord> marking;
        Plan last;

        Step(CacheRecord cache, GcJob job, Instant deadline) {
            this.cache = cache;
            this.job = job;
            this.deadline = deadline;
            this.lastMarkAt = job.lastMarkAt();
        }

        boolean outOfTime() {
            return clock.instant().isAfter(deadline);
        }

        GcReport go() {
            logs = objects.listKeys(Layout.logPrefix(cache.name()));
            if (!markPhase()) {
                return null;
            }
            if (lastMarkAt != null) {
                Instant until = lastMarkAt.plus(fence);
                if (until.isAfter(deadline)) {
                    return null;
                }
                Duration left = Duration.between(clock.instant(), until);
                if (left.isPositive()) {
                    pause.sleep(left);
                }
            }
            if (!sweepPhase()) {
                return null;
            }
            return finalReport();
        }

        /** Marks what the plan dooms; takes back what this run marked and the plan now keeps. False when out of time. */
        private boolean markPhase() {
            Map<StorePathHash, PathRecord> records = read(cache);
            marking = records;
            // Marks of a dead collection (this one holds the lease): taken back, then judged anew.
            for (PathRecord r : List.copyOf(records.values())) {
                if (r.state() == PathState.COLLECTING && !job.run().equals(r.attempt()) && paths.revive(cache, r.hash())) {
                    records.put(r.hash(), new PathRecord(r.info(), PathState.PUBLISHED, null, r.updatedAt()));
                }
            }
            Plan plan = plan(cache, job, clock.instant(), records, job.lastMarkAt() == null);
            last = plan;
            List<PathRecord> toMark = new ArrayList<>();
            for (StorePathHash h : plan.doomed.keySet()) {
                PathRecord r = records.get(h);
                if (r.state() == PathState.PUBLISHED) {
                    toMark.add(r);
                }
            }
            forEach(records.values().stream().filter(this::mine).filter(r -> !plan.doomed.containsKey(r.hash())).toList(),
                    r -> paths.revive(cache, r.hash()));
            Instant[] latest = {lastMarkAt};
            List<PathRecord> left = forEach(toMark, r -> {
                if (paths.markCollecting(cache, r, job.run())) {
                    Instant at = clock.instant();
                    synchronized (latest) {
                        latest[0] = latest[0] == null || at.isAfter(latest[0]) ? at : latest[0];
                    }
                }
            });
            lastMarkAt = latest[0];
            return left.isEmpty();
        }

        private boolean mine(PathRecord r) {
            return r.state() == PathState.COLLECTING && job.run().equals(r.attempt());
        }

        /**
         * After the fence: the cache as it is now. A marked path stays if the plan keeps it now or
         * a path not marked needs it (published meanwhile, or taken back by a push); the rest go
         * referrers first, wave by wave, so a reader never finds a narinfo whose reference is gone.
         */
        private boolean sweepPhase() {
            Map<StorePathHash, PathRecord> records = lastMarkAt == null ? marking : read(cache);
            List<PathRecord> unfinished = records.values().stream().filter(r -> r.state() == PathState.DELETING).toList();
            forEach(unfinished, r -> finishDeleting(r, r.attempt()));
            unfinished.forEach(r -> records.remove(r.hash()));
            Plan plan = plan(cache, job, clock.instant(), records, false);
            last = plan;
            Map<StorePathHash, PathRecord> marked = new HashMap<>();
            records.values().stream().filter(this::mine).forEach(r -> marked.put(r.hash(), r));
            Set<StorePathHash> stays = ConcurrentHashMap.newKeySet();
            Deque<StorePathHash> todo = new ArrayDeque<>();
            for (PathRecord r : records.values()) {
                if (marked.containsKey(r.hash())) {
                    if (plan.kept.contains(r.hash())) {
                        todo.add(r.hash());
                    }
                } else if (r.readable() || r.state() == PathState.VERIFYING) {
                    r.info().references().forEach(ref -> todo.add(ref.hash()));
                }
            }
            while (!todo.isEmpty()) {
                StorePathHash h = todo.poll();
                if (marked.containsKey(h) && stays.add(h)) {
                    marked.get(h).info().references().forEach(ref -> todo.add(ref.hash()));
                }
            }
            // Referrers first: the waves of the marked paths that go, each after every wave that references it.
            Map<StorePathHash, List<StorePathHash>> referrers = new HashMap<>();
            for (PathRecord r : marked.values()) {
                for (StorePath ref : r.info().references()) {
                    if (marked.containsKey(ref.hash()) && !ref.hash().equals(r.hash())) {
                        referrers.computeIfAbsent(ref.hash(), k -> new ArrayList<>()).add(r.hash());
                    }
                }
            }
            for (List<PathRecord> wave : waves(marked, referrers)) {
                List<PathRecord> left = forEach(wave, r -> {
                    boolean needed = stays.contains(r.hash())
                            || referrers.getOrDefault(r.hash(), List.of()).stream().anyMatch(stays::contains);
                    if (!needed && paths.markDeleting(cache, r.hash(), job.run())) {
                        finishDeleting(r, job.run());
                        collected.add(r.hash());
                        collectedRecords.put(r.hash(), r);
                    } else {
                        // Kept, or a push took it back between the listing and now: its closure stays.
                        paths.revive(cache, r.hash());
                        stays.add(r.hash());
                    }
                });
                if (!left.isEmpty()) {
                    countUsage();
                    return false;
                }
            }
            countUsage();
            // A NAR goes only if no path that stays names it: a path doomed by this plan but not
            // marked (published during the fence) may name one from before the registry, unclaimed.
            Set<String> named = new HashSet<>();
            records.values().stream().filter(r -> !collected.contains(r.hash())).forEach(r -> named.add(narKey(cache, r.info())));
            return sweepNars(plan, named) && sweepLogs(records);
        }

        /**
         * Deletes the listed logs whose deriver no remaining path names (the paths this collection
         * removed, and any removed before). A path published again later finds its log gone, and
         * its next push uploads it again.
         */
        private boolean sweepLogs(Map<StorePathHash, PathRecord> records) {
            Set<String> named = logsNamed(cache, records.values().stream().filter(r -> !collected.contains(r.hash())).toList());
            List<String> orphaned = logs.stream().filter(k -> !named.contains(k)).toList();
            return forEach(orphaned, key -> {
                objects.delete(key);
                deletedLogs.add(key);
            }).isEmpty();
        }

        /** A collection subtracts what this invocation removed from the usage counters. */
        private void countUsage() {
            if (!collectedRecords.isEmpty()) {
                long bytes = collectedRecords.values().stream().mapToLong(r -> r.info().fileSize()).sum();
                usage.add(cache, -collectedRecords.size(), -bytes, null);
                done.addAll(collectedRecords.values());
                collectedRecords.clear();
            }
        }

        private boolean sweepNars(Plan plan, Set<String> named) {
            Instant now = clock.instant();
            List<String> candidates = plan.narCandidates.keySet().stream().filter(k -> !named.contains(k)).toList();
            Map<String, NarRecord> records = nars.get(cache, candidates);
            List<String> left = forEach(candidates, key -> {
                NarRecord r = records.get(key);
                if (r != null && !r.users().isEmpty()) {
                    // Users whose path is not readable now (read now, not as planned: a path published
                    // since the plan claimed this NAR and must keep it), or is readable naming another
                    // NAR (its batch stopped after the claim, and another push published the path with
                    // a build of other bytes; or its item names the unsharded key of a path from before
                    // the sharded keys, the object its narinfo names), are publishes that claimed and then failed; one that
                    // claimed less than a fence ago may still be on its way, and the registry keeps it.
                    Map<StorePathHash, PathRecord> current = paths.get(cache, r.users());
                    List<StorePathHash> stale = r.users().stream().filter(u -> {
                        PathRecord p = current.get(u);
                        return p == null || !p.readable()
                                || !narKey(cache, p.info()).equals(key);
                    }).toList();
                    nars.dropUsers(cache, key, stale, now.minus(fence));
                }
                nars.doom(cache, key, now);
                NarRecord after = nars.get(cache, List.of(key)).get(key);
                if (after == null || after.doomedAt() == null) {
                    return; // claimed by a publish meanwhile
                }
                Instant deleteAfter = after.doomedAt().plus(cache.gc().grace());
                if (!deleteAfter.isAfter(now) && nars.startDeleting(cache, key, now.minus(cache.gc().grace()), job.run())) {
                    objects.delete(key);
                    nars.finishDeleting(cache, key, job.run());
                    deletedNars.add(key);
                }
                narOutcome.put(key, deleteAfter);
            });
            if (!left.isEmpty()) {
                return false;
            }
            if (!job.removal() && plan.cutoff != null) {
                List<StorePathHash> old = roots.list(cache).stream().filter(root -> root.pushedAt().isBefore(plan.cutoff))
                        .map(root -> root.path().hash()).toList();
                roots.delete(cache, old);
            }
            return true;
        }

        /** What this invocation removed, added to what earlier ones did, lists capped at {@code cap}. */
        private GcReport merged(int cap) {
            GcReport before = job.done();
            List<GcReport.GcPath> listed = new ArrayList<>(before == null ? List.of() : before.paths());
            long bytes = before == null ? 0 : before.bytesCollected();
            for (PathRecord r : done) {
                bytes += r.info().fileSize();
                if (listed.size() < cap) {
                    listed.add(new GcReport.GcPath(r.info().storePath().toString(), r.info().fileSize(),
                            last.doomed.getOrDefault(r.hash(), job.removal() ? "named" : "collected")));
                }
            }
            List<GcReport.GcNar> narsListed = new ArrayList<>(before == null ? List.of() : before.nars());
            int deleted = before == null ? 0 : before.narsDeleted();
            int doomed = 0;
            for (Map.Entry<String, Instant> e : narOutcome.entrySet()) {
                boolean gone = deletedNars.contains(e.getKey());
                deleted += gone ? 1 : 0;
                doomed += gone ? 0 : 1;
                if (narsListed.size() < cap) {
                    narsListed.add(new GcReport.GcNar(e.getKey(), gone ? "delete" : "doom", e.getValue(),
                            last.narCandidates.getOrDefault(e.getKey(), "no narinfo of the cache names it")));
                }
            }
            int count = (before == null ? 0 : before.pathsCollected()) + done.size();
            int logsDeleted = (before == null || before.logsDeleted() == null ? 0 : before.logsDeleted()) + deletedLogs.size();
            return last.report(false, last.kept.size(), last.bytesKept, count, bytes, deleted, doomed, listed, narsListed, logsDeleted);
        }

        GcReport partial() {
            return merged(GcJob.LISTED);
        }

        GcReport finalReport() {
            return merged(job.done() == null ? GcReport.MAX_LISTED : GcJob.LISTED);
        }

        /**
         * Runs {@code action} on each item, {@link #PARALLEL_WRITES} at a time, starting none after
         * the deadline.
         *
         * @return the items not started
         */
        private <T> List<T> forEach(List<T> items, Consumer<T> action) {
            return GarbageCollector.forEach(items, action, x -> outOfTime());
        }

        /** A path marked deleting: its narinfo first, then its item, then its claim on its NAR. */
        private void finishDeleting(PathRecord r, String run) {
            objects.delete(Layout.narInfo(cache.name(), r.hash()));
            paths.deleteDeleting(cache, r.hash(), run);
            // Unless the NAR was claimed since the job started: a publish of the same path again, whose claim must stand.
            nars.release(cache, narKey(cache, r.info()), r.hash(), job.startedAt());
        }
    }

    /**
     * The marked paths in waves: a path's wave comes after the waves of every marked path that
     * references it, so each wave can go in parallel.
     */
    static List<List<PathRecord>> waves(Map<StorePathHash, PathRecord> marked, Map<StorePathHash, List<StorePathHash>> referrers) {
        Map<StorePathHash, Integer> depth = new HashMap<>();
        List<List<PathRecord>> waves = new ArrayList<>();
        for (StorePathHash start : marked.keySet()) {
            depth(start, referrers, depth, new HashSet<>());
        }
        for (Map.Entry<StorePathHash, Integer> e : depth.entrySet()) {
            while (waves.size() <= e.getValue()) {
                waves.add(new ArrayList<>());
            }
            waves.get(e.getValue()).add(marked.get(e.getKey()));
        }
        return waves;
    }

    /** The longest chain of marked referrers above {@code h} (iterative: chains can be long); a cycle counts once. */
    private static int depth(StorePathHash h, Map<StorePathHash, List<StorePathHash>> referrers, Map<StorePathHash, Integer> depth,
                             Set<StorePathHash> onPath) {
        Deque<StorePathHash> stack = new ArrayDeque<>();
        stack.push(h);
        while (!stack.isEmpty()) {
            StorePathHash top = stack.peek();
            if (depth.containsKey(top)) {
                stack.pop();
                onPath.remove(top);
                continue;
            }
            onPath.add(top);
            boolean ready = true;
            int d = 0;
            for (StorePathHash referrer : referrers.getOrDefault(top, List.of())) {
                Integer known = depth.get(referrer);
                if (known != null) {
                    d = Math.max(d, known + 1);
                } else if (!onPath.contains(referrer)) {
                    stack.push(referrer);
                    ready = false;
                }
            }
            if (ready) {
                depth.put(top, d);
                stack.pop();
                onPath.remove(top);
            }
        }
        return depth.get(h);
    }

    /**
     * Runs {@code action} on each item on up to {@link #PARALLEL_WRITES} threads, starting none once
     * {@code stop} says so; the first failure is thrown after every started action ended.
     *
     * @return the items not started
     */
    static <T> List<T> forEach(Collection<T> items, Consumer<T> action, Predicate<Object> stop) {
        List<T> notStarted = new ArrayList<>();
        if (items.isEmpty()) {
            return notStarted;
        }
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(Math.min(PARALLEL_WRITES, items.size()))) {
            List<java.util.concurrent.Future<?>> started = new ArrayList<>();
            for (T item : items) {
                if (stop.test(item)) {
                    notStarted.add(item);
                    continue;
                }
                started.add(pool.submit(() -> {
                    if (stop.test(item)) {
                        synchronized (notStarted) {
                            notStarted.add(item);
                        }
                        return;
                    }
                    action.accept(item);
                }));
            }
            RuntimeException failure = null;
            for (java.util.concurrent.Future<?> f : started) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted during a collection", e);
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
        return notStarted;
    }

    /** The object key of a narinfo's NAR: the cache's prefix and its URL (sharded or from before). */
    static String narKey(CacheRecord cache, NarInfo info) {
        return cache.name().value() + "/" + info.url();
    }

    private String newRun() {
        byte[] b = new byte[8];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
