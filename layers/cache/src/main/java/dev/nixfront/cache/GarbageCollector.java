package dev.nixfront.cache;

import dev.nixfront.api.CacheInfo;
import dev.nixfront.api.Durations;
import dev.nixfront.api.GcReport;
import dev.nixfront.api.GcRequest;
import dev.nixfront.cache.port.CacheRecord;
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
import dev.nixfront.nix.TopologicalOrder;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Garbage collection of one cache: mark from the live roots, then sweep what nothing keeps.
 *
 * <p><b>Mark.</b> Live are the closures (references, followed through the index) of every pinned
 * revision, of every path still verifying (its references must stay until it is published), and of
 * every root pushed within the cache's retention, where a published path counts as a root pushed
 * when it was published (so a push whose root report was lost keeps its closure anyway). With a
 * size limit the roots are taken newest first, and once the kept NAR bytes reach the limit older
 * roots' closures are no longer kept. Without a retention and a size limit nothing is collected.
 *
 * <p><b>Sweep</b>, in the order that keeps every narinfo Nix can fetch whole (see {@link PathPublisher}
 * for the publisher's side): every doomed path is marked {@code collecting} (only if it is still
 * published as it was read); then the collection waits the fence, after which every publish that
 * counted on one of them has written and indexed its narinfo (and so took it back) or given up; then
 * each path still collecting is marked {@code deleting}, its narinfo removed, then its index item, and
 * its claim on its NAR released. A NAR object that no kept narinfo names is doomed (from now, or
 * since an earlier collection doomed it) and deleted once the cache's grace is over, only through
 * {@link NarRegistry#startDeleting}, which no publish can get past.
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

    private final CacheLookup lookup;
    private final PathIndex paths;
    private final NarRegistry nars;
    private final ObjectStore objects;
    private final RootRepository roots;
    private final PinRepository pins;
    private final Clock clock;
    private final Pause pause;
    private final Duration fence;
    private final SecureRandom random;
    private final Duration requestBudget;
    private final UsageCounter usage;

    GarbageCollector(CacheLookup lookup, PathIndex paths, NarRegistry nars, ObjectStore objects, RootRepository roots,
                     PinRepository pins, Clock clock, Pause pause, Duration fence, Duration requestBudget, SecureRandom random,
                     UsageCounter usage) {
        this.usage = Objects.requireNonNull(usage);
        this.lookup = Objects.requireNonNull(lookup);
        this.paths = Objects.requireNonNull(paths);
        this.nars = Objects.requireNonNull(nars);
        this.objects = Objects.requireNonNull(objects);
        this.roots = Objects.requireNonNull(roots);
        this.pins = Objects.requireNonNull(pins);
        this.clock = Objects.requireNonNull(clock);
        this.pause = Objects.requireNonNull(pause);
        this.fence = Objects.requireNonNull(fence);
        this.random = Objects.requireNonNull(random);
        this.requestBudget = Objects.requireNonNull(requestBudget);
    }

    /** Collects now, or with {@code dryRun} reports what would go, for an admin of the cache. */
    public GcReport collect(Principal principal, String cacheName, GcRequest request) {
        CacheRecord cache = lookup.require(principal, cacheName, Permission.ADMIN);
        boolean dry = request != null && request.dry();
        if (!dry && fence.compareTo(requestBudget) > 0) {
            // A collection waits the fence between marking and deleting; in AWS that is longer than
            // an API request may take, and collections there need a job of their own (not built yet).
            throw new DomainException(DomainException.Kind.NOT_IMPLEMENTED, "dryRun", "a collection waits "
                    + fence.toSeconds() + " s between marking paths and deleting them, longer than a request to this"
                    + " deployment may take (" + requestBudget.toSeconds() + " s); collect with the local stack, or ask"
                    + " for a dry run (--dry-run) here");
        }
        Plan plan = plan(cache, clock.instant());
        if (dry || plan.doomed.isEmpty() && plan.narCandidates.isEmpty()) {
            return plan.report(dry, Map.of(), Set.of(), Set.of());
        }
        return sweep(cache, plan);
    }

    /** What nothing keeps, and why: the doomed paths and the NAR objects no kept narinfo names. */
    private final class Plan {
        final CacheRecord cache;
        final Instant now;
        final Instant cutoff;
        final Map<StorePathHash, PathRecord> records = new HashMap<>();
        final Map<StorePathHash, String> doomed = new LinkedHashMap<>();
        final Set<StorePathHash> kept = new HashSet<>();
        final Set<String> keptNars = new HashSet<>();
        final Map<String, String> narCandidates = new LinkedHashMap<>();
        long bytesKept;
        String note;

        Plan(CacheRecord cache, Instant now) {
            this.cache = cache;
            this.now = now;
            this.cutoff = cache.gc().retention() == null ? null : now.minus(cache.gc().retention());
        }

        GcReport report(boolean dry, Map<String, Instant> narOutcome, Set<StorePathHash> collected, Set<String> deletedNars) {
            GcPolicy policy = cache.gc();
            List<GcReport.GcPath> listed = new ArrayList<>();
            long bytes = 0;
            int count = 0;
            for (Map.Entry<StorePathHash, String> e : doomed.entrySet()) {
                if (!dry && !collected.contains(e.getKey())) {
                    continue;
                }
                NarInfo info = records.get(e.getKey()).info();
                count++;
                bytes += info.fileSize();
                if (listed.size() < GcReport.MAX_LISTED) {
                    listed.add(new GcReport.GcPath(info.storePath().toString(), info.fileSize(), e.getValue()));
                }
            }
            List<GcReport.GcNar> narsListed = new ArrayList<>();
            Map<String, NarRecord> doomedSince = dry ? nars.get(cache, narCandidates.keySet()) : Map.of();
            int deleted = 0;
            int doomedNars = 0;
            for (Map.Entry<String, String> e : narCandidates.entrySet()) {
                if (!dry && !narOutcome.containsKey(e.getKey())) {
                    continue; // a publish claimed it meanwhile: kept
                }
                Instant after = dry ? deleteAfter(doomedSince.get(e.getKey())) : narOutcome.get(e.getKey());
                boolean delete = dry ? !after.isAfter(now) : deletedNars.contains(e.getKey());
                if (delete) {
                    deleted++;
                } else {
                    doomedNars++;
                }
                if (narsListed.size() < GcReport.MAX_LISTED) {
                    narsListed.add(new GcReport.GcNar(e.getKey(), delete ? "delete" : "doom", after, e.getValue()));
                }
            }
            return new GcReport(cache.name().value(), dry, now,
                    policy.retention() == null ? CacheInfo.FOREVER : Durations.format(policy.retention()), policy.maxSize(),
                    Durations.format(policy.grace()), kept.size(), bytesKept, count, bytes, deleted, doomedNars, listed,
                    narsListed, note);
        }

        private Instant deleteAfter(NarRecord r) {
            Instant doomedAt = r != null && r.doomedAt() != null ? r.doomedAt() : now;
            return doomedAt.plus(cache.gc().grace());
        }
    }

    /** A root of the mark: a path, since when it is one, and what makes it one. */
    private record Root(StorePathHash hash, Instant since, String what) {}

    private Plan plan(CacheRecord cache, Instant now) {
        Plan plan = new Plan(cache, now);
        GcPolicy policy = cache.gc();
        plan.records.putAll(paths.get(cache, paths.listHashes(cache)));

        List<Root> always = new ArrayList<>();
        for (PinRecord pin : pins.list(cache)) {
            for (PinRecord.Revision revision : pin.revisions()) {
                always.add(new Root(revision.path().hash(), Instant.MAX, "pin " + pin.name()));
            }
        }
        List<Root> dated = new ArrayList<>();
        for (PathRecord r : plan.records.values()) {
            if (r.state() == PathState.VERIFYING) {
                always.add(new Root(r.hash(), Instant.MAX, "verifying"));
            } else if (r.readable()) {
                dated.add(new Root(r.hash(), r.updatedAt(), "published"));
            } else if (r.state() == PathState.DELETING) {
                // An earlier collection was removing it: its narinfo may be gone already; the sweep finishes it.
                plan.kept.add(r.hash());
            }
        }
        for (RootRecord root : roots.list(cache)) {
            dated.add(new Root(root.path().hash(), root.pushedAt(), "root"));
        }
        if (!policy.collects()) {
            plan.note = "cache " + cache.name() + " keeps everything: it has no retention and no size limit"
                    + " (nixfront cache update " + cache.name() + " --retention DURATION)";
            for (PathRecord r : plan.records.values()) {
                if (r.readable()) {
                    markFrom(plan, r.hash());
                }
            }
            return plan;
        }
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
            if (r.state() == PathState.PUBLISHED && !plan.kept.contains(r.hash())) {
                boolean withinRetention = plan.cutoff == null || !r.updatedAt().isBefore(plan.cutoff);
                plan.doomed.put(r.hash(), withinRetention && beyondSize != null ? beyondSize : outsideRetention);
            }
        }
        // NARs: every object under the cache's nar/ that no kept (or verifying) narinfo names.
        for (StorePathHash h : plan.kept) {
            PathRecord r = plan.records.get(h);
            if (r != null) {
                plan.keptNars.add(narKey(cache, r.info()));
            }
        }
        Set<String> ofDoomedPaths = new HashSet<>();
        for (StorePathHash h : plan.doomed.keySet()) {
            ofDoomedPaths.add(narKey(cache, plan.records.get(h).info()));
        }
        Set<String> candidates = new TreeSet<>(ofDoomedPaths);
        candidates.addAll(objects.listKeys(cache.name().value() + "/nar/"));
        for (String key : candidates) {
            if (!plan.keptNars.contains(key)) {
                plan.narCandidates.put(key, ofDoomedPaths.contains(key) ? "only collected paths name it" : "no narinfo of the cache names it");
            }
        }
        return plan;
    }

    /** Marks the closure of {@code start} kept, counting the NAR bytes of what it adds. */
    private void markFrom(Plan plan, StorePathHash start) {
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

    private GcReport sweep(CacheRecord cache, Plan plan) {
        String run = HexFormat.of().formatHex(bytes(8));
        // What an earlier collection left halfway: paths it was deleting are finished now.
        for (PathRecord r : plan.records.values()) {
            if (r.state() == PathState.DELETING) {
                finishDeleting(cache, r, r.attempt(), plan.now);
            }
        }
        List<PathRecord> marked = new ArrayList<>();
        // A doomed path that could not be marked (it changed since the plan) is kept, and so must be
        // what it references: found by the race test.
        Set<StorePathHash> unmarked = new HashSet<>();
        Instant markedAt = clock.instant();
        for (StorePathHash h : plan.doomed.keySet()) {
            PathRecord r = plan.records.get(h);
            if (paths.markCollecting(cache, r, run)) {
                marked.add(r);
            } else {
                unmarked.add(h);
            }
        }
        if (!marked.isEmpty()) {
            pause.sleep(fence);
        }
        // Referrers first: a reader never finds a narinfo whose reference is already gone.
        Map<StorePath, PathRecord> byPath = new LinkedHashMap<>();
        marked.forEach(r -> byPath.put(r.info().storePath(), r));
        List<PathRecord> order = new ArrayList<>(TopologicalOrder.partial(marked, r -> r.info().storePath(),
                r -> r.info().references().stream().filter(byPath::containsKey).filter(ref -> !ref.equals(r.info().storePath())).toList()));
        Set<PathRecord> ordered = new HashSet<>(order);
        marked.stream().filter(r -> !ordered.contains(r)).forEach(order::add);
        Collections.reverse(order);
        // A path a push took back (or that one of its referrers here stays for) keeps its whole
        // closure: a push revives the references it names, not theirs, and a referrer revived a
        // moment after its reference was marked deleting would otherwise stay readable without it.
        Map<StorePathHash, List<PathRecord>> referrers = new HashMap<>();
        List<PathRecord> doomedRecords = plan.doomed.keySet().stream().map(plan.records::get).toList();
        for (PathRecord r : doomedRecords) {
            for (StorePath ref : r.info().references()) {
                if (!ref.equals(r.info().storePath())) {
                    referrers.computeIfAbsent(ref.hash(), k -> new ArrayList<>()).add(r);
                }
            }
        }
        Set<StorePathHash> stays = newlyNeeded(cache, plan, byPath);
        stays.addAll(unmarked);
        Set<StorePathHash> collected = new HashSet<>();
        for (PathRecord r : order) {
            boolean neededByAStayingReferrer = stays.contains(r.hash()) || referrers.getOrDefault(r.hash(), List.of()).stream()
                    .anyMatch(referrer -> stays.contains(referrer.hash()));
            if (!neededByAStayingReferrer && paths.markDeleting(cache, r.hash(), run)) {
                finishDeleting(cache, r, run, markedAt);
                collected.add(r.hash());
            } else {
                paths.revive(cache, r.hash());
                stays.add(r.hash());
            }
        }
        Instant now = clock.instant();
        Map<String, Instant> narOutcome = new LinkedHashMap<>();
        Set<String> deletedNars = new HashSet<>();
        Map<String, NarRecord> records = nars.get(cache, plan.narCandidates.keySet());
        for (String key : plan.narCandidates.keySet()) {
            NarRecord r = records.get(key);
            if (r != null && !r.users().isEmpty()) {
                // Users whose path is not readable now (read now, not as planned: a path published
                // since the plan claimed this NAR and must keep it) are publishes that claimed and
                // then failed; one that claimed less than a fence ago may still be on its way, and
                // the registry keeps it.
                Map<StorePathHash, PathRecord> current = paths.get(cache, r.users());
                List<StorePathHash> stale = r.users().stream().filter(u -> {
                    PathRecord p = current.get(u);
                    return p == null || !p.readable();
                }).toList();
                nars.dropUsers(cache, key, stale, now.minus(fence));
            }
            nars.doom(cache, key, now);
            NarRecord after = nars.get(cache, List.of(key)).get(key);
            if (after == null || after.doomedAt() == null) {
                continue; // claimed by a publish meanwhile
            }
            Instant deleteAfter = after.doomedAt().plus(cache.gc().grace());
            if (!deleteAfter.isAfter(now) && nars.startDeleting(cache, key, now.minus(cache.gc().grace()), run)) {
                objects.delete(key);
                nars.finishDeleting(cache, key, run);
                deletedNars.add(key);
            }
            narOutcome.put(key, deleteAfter);
        }
        if (plan.cutoff != null) {
            List<StorePathHash> old = roots.list(cache).stream().filter(root -> root.pushedAt().isBefore(plan.cutoff))
                    .map(root -> root.path().hash()).toList();
            roots.delete(cache, old);
        }
        if (!collected.isEmpty()) {
            long bytes = collected.stream().mapToLong(h -> plan.records.get(h).info().fileSize()).sum();
            usage.add(cache, -collected.size(), -bytes, null);
        }
        return plan.report(false, narOutcome, collected, deletedNars);
    }

    /**
     * The marked paths that a path published since the plan's listing needs: its publish looked at
     * its references before they were marked (else it would have taken them back), and the fence
     * has passed, so its item is written by now; the listing is read again to find it. (An index
     * read: a path indexed more than half a fence ago is in it unless the index lags that much.)
     */
    private Set<StorePathHash> newlyNeeded(CacheRecord cache, Plan plan, Map<StorePath, PathRecord> marked) {
        // Every path the plan did not see readable: absent from its listing, or then rejected (a
        // push that failed) and published since (found by the race test: a path published over its
        // own rejection was not looked at again, and its reference went).
        Set<StorePathHash> fresh = new HashSet<>(paths.listHashes(cache));
        plan.records.forEach((h, r) -> {
            if (r.readable() || r.state() == PathState.VERIFYING) {
                fresh.remove(h);
            }
        });
        Set<StorePathHash> needed = new HashSet<>();
        if (fresh.isEmpty()) {
            return needed;
        }
        Map<StorePathHash, PathRecord> records = new HashMap<>(paths.get(cache, fresh));
        Set<StorePathHash> markedHashes = new HashSet<>();
        marked.values().forEach(r -> markedHashes.add(r.hash()));
        Deque<StorePathHash> todo = new ArrayDeque<>();
        for (PathRecord r : records.values()) {
            if (r.readable() || r.state() == PathState.VERIFYING) {
                r.info().references().forEach(ref -> todo.add(ref.hash()));
            }
        }
        while (!todo.isEmpty()) {
            StorePathHash h = todo.poll();
            if (!markedHashes.contains(h) || !needed.add(h)) {
                continue;
            }
            plan.records.get(h).info().references().forEach(ref -> todo.add(ref.hash()));
        }
        return needed;
    }

    /**
     * A path marked deleting: its narinfo first, then its item, then its claim on its NAR, unless
     * the NAR was claimed since {@code markedAt} (a publish of the same path again, whose claim must
     * stand).
     */
    private void finishDeleting(CacheRecord cache, PathRecord r, String run, Instant markedAt) {
        objects.delete(Layout.narInfo(cache.name(), r.hash()));
        paths.deleteDeleting(cache, r.hash(), run);
        nars.release(cache, narKey(cache, r.info()), r.hash(), markedAt);
    }

    /** The object key of a narinfo's NAR: the cache's prefix and its URL (sharded or from before). */
    static String narKey(CacheRecord cache, NarInfo info) {
        return cache.name().value() + "/" + info.url();
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
