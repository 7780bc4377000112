package dev.nixfront.cache;

import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResponse;
import dev.nixfront.api.PublishResult;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import dev.nixfront.nix.TopologicalOrder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Publishing a batch of narinfos. Everything is validated before anything of the request is written:
 * every field, conflicts with published paths (409), and closure completeness (every reference
 * published or in the batch, else 409 naming them; see {@link References}). The only writes before
 * that are repairs of what is already true: index items rebuilt from their narinfos, and lost
 * verifications queued again. Then, references before referrers, each path is verified and
 * published inline if it fits what is left of the request's budget: its file and NAR within the
 * byte bounds, and the time spent so far plus its estimated cost ({@link VerifyRates}, from NAR
 * size and compression, not only the file size) within the time budget, well inside API Gateway's
 * 30 s. The rest, and everything referring to them, are recorded {@code verifying} with their full
 * info and go to the verify function ({@link Deferral}), and answer {@code verifying}. Nothing becomes readable before its NAR is verified.
 */
public final class PublishService {
    /** Paths written between two looks at the cache item: a few reads a batch, a bounded window if the request dies. */
    static final int CONFIRM_EVERY = 25;
    private final PathIndex paths;
    private final Clock clock;
    private final CacheSettings settings;
    private final CacheLookup lookup;
    private final PathPublisher publisher;
    private final Deferral deferral;
    private final References references;

    PublishService(CacheRepository caches, PathIndex paths, PathPublisher publisher, Deferral deferral,
                   References references, Clock clock, CacheSettings settings) {
        this.paths = Objects.requireNonNull(paths);
        this.publisher = Objects.requireNonNull(publisher);
        this.deferral = Objects.requireNonNull(deferral);
        this.references = Objects.requireNonNull(references);
        this.clock = Objects.requireNonNull(clock);
        this.settings = Objects.requireNonNull(settings);
        this.lookup = new CacheLookup(caches);
    }

    /** One path of the batch, validated, with its position for error fields. */
    record Item(int index, NarInfo info) {
        String field(String name) {
            return "paths[" + index + "]" + (name == null ? "" : "." + name);
        }
    }

    public PublishResponse publish(Principal principal, String cache, PublishRequest request) {
        Instant start = clock.instant();
        CacheRecord record = lookup.require(principal, cache, Permission.WRITE);
        if (request == null || request.paths().isEmpty()) {
            throw DomainException.invalid("paths", "publish at least one path");
        }
        if (request.paths().size() > PublishRequest.MAX) {
            throw DomainException.tooMany("paths", "at most " + PublishRequest.MAX + " paths per request, got " + request.paths().size());
        }
        Map<StorePath, Item> batch = new LinkedHashMap<>();
        Map<StorePathHash, StorePath> byHash = new HashMap<>();
        List<StorePath> requestOrder = new ArrayList<>();
        for (int i = 0; i < request.paths().size(); i++) {
            NarInfo info = PathInfos.toNarInfo(request.paths().get(i), settings.storeDir(), "paths[" + i + "].");
            requestOrder.add(info.storePath());
            requireVerifiable(info, "paths[" + i + "].narSize");
            // Index items and narinfo keys are by hash: two names for one hash cannot both be published.
            StorePath sameHash = byHash.putIfAbsent(info.storePath().hash(), info.storePath());
            if (sameHash != null && !sameHash.equals(info.storePath())) {
                throw DomainException.invalid("paths[" + i + "].storePath", info.storePath() + " has the hash of "
                        + sameHash + ", also in this batch");
            }
            Item earlier = batch.putIfAbsent(info.storePath(), new Item(i, info));
            if (earlier != null && PathInfos.difference(earlier.info(), info) != null) {
                throw DomainException.invalid("paths[" + i + "]", info.storePath() + " appears twice with different info ("
                        + PathInfos.difference(earlier.info(), info) + ")");
            }
        }

        Set<StorePath> outside = References.outside(batch);
        Set<StorePathHash> wanted = new HashSet<>(byHash.keySet());
        outside.forEach(r -> wanted.add(r.hash()));
        Map<StorePathHash, PathRecord> indexed = new HashMap<>(paths.get(record, wanted));
        references.repair(record, outside, indexed, start);

        Map<StorePath, String> state = new HashMap<>();
        for (Item item : batch.values()) {
            PathRecord existing = indexed.get(item.info().storePath().hash());
            if (existing != null && existing.state() == PathState.DELETING && existing.info().storePath().equals(item.info().storePath())) {
                throw new DomainException(DomainException.Kind.CONFLICT, item.field("storePath"),
                        PathPublisher.beingCollected(item.info()).reason());
            }
            if (existing != null && existing.readable()) {
                requireSame(existing, item);
                if (existing.state() == PathState.COLLECTING) {
                    // Pushed again: wanted. If its collection got to it first, the 409 of its
                    // referrers (or the next push) says so.
                    paths.revive(record, existing.hash());
                }
                state.put(item.info().storePath(), PathState.PUBLISHED.wire());
            }
        }
        // What the upstreams serve is remembered for this request alone: its closure check and the look before each narinfo.
        UpstreamCheck.Answers answers = new UpstreamCheck.Answers();
        references.require(record, batch, indexed, start, answers);
        List<Item> ordered = referencesFirst(batch);

        Set<StorePath> deferred = new HashSet<>();
        List<PathPublisher.Written> written = new ArrayList<>();
        try {
            publishInline(record, ordered, state, deferred, written, start, answers);
        } finally {
            // One look at the cache for every path this request wrote, before it answers whatever it
            // answers: a deletion that overtook the request undoes them all (404).
            try {
                publisher.confirm(record, written);
            } catch (CacheGoneException gone) {
                throw gone.toDomain();
            }
        }

        List<NarInfo> toVerify = new ArrayList<>();
        for (Item item : ordered) {
            if (deferred.contains(item.info().storePath())) {
                toVerify.add(item.info());
                state.put(item.info().storePath(), PathState.VERIFYING.wire());
            }
        }
        deferral.submit(record, toVerify);

        return new PublishResponse(requestOrder.stream()
                .map(path -> new PublishResult(path.toString(), state.get(path)))
                .toList());
    }

    /**
     * Verifies and publishes the paths that fit the request's budgets, adding what each wrote to
     * {@code written} (the caller confirms them all with one look at the cache); the others, and
     * every path referring to one of them, go to {@code deferred}. A few NARs are verified at once
     * ({@link VerifyAhead}), ahead of the writes, which go one path at a time in reference order:
     * a path's narinfo and index item only after its references', with the collection protocol's
     * look right before each ({@link PathPublisher#write}). The time budget counts the paths being
     * verified as if they ran one after the other.
     */
    private void publishInline(CacheRecord record, List<Item> ordered, Map<StorePath, String> state, Set<StorePath> deferred,
                               List<PathPublisher.Written> written, Instant start, UpstreamCheck.Answers answers) {
        long inlineBytes = 0;
        PathPublisher.Indexed ownWrites = new PathPublisher.Indexed();
        try (VerifyAhead<Item> ahead = new VerifyAhead<>(publisher, record)) {
            try {
                for (Item item : ordered) {
                    NarInfo info = item.info();
                    if (state.containsKey(info.storePath())) {
                        continue;
                    }
                    boolean dependsOnDeferred = info.references().stream().anyMatch(deferred::contains);
                    // Decompression makes the NAR the larger side of the work, except for incompressible data.
                    long bytes = Math.max(info.fileSize(), info.narSize());
                    Duration estimate = settings.verifyRates().estimate(info.fileSize(), info.narSize(), info.compression());
                    if (dependsOnDeferred || bytes > settings.inlineVerifyMaxBytes()
                            || inlineBytes + bytes > settings.inlineBatchBudgetBytes() || !fitsInTime(start, ahead.pending().plus(estimate))) {
                        deferred.add(info.storePath());
                        continue;
                    }
                    inlineBytes += bytes;
                    ahead.start(item, info, estimate);
                    if (ahead.full()) {
                        writeNext(record, ahead.next(), state, written, answers, ownWrites);
                    }
                }
                while (!ahead.isEmpty()) {
                    writeNext(record, ahead.next(), state, written, answers, ownWrites);
                }
            } finally {
                // A path that failed stops the batch: those verified beside it are not written, and
                // what they copied is confirmed (or removed, if the cache is gone) with the rest.
                written.addAll(ahead.abandon());
            }
        }
    }

    /** Writes a path verified ahead, once its verification is done. */
    private void writeNext(CacheRecord record, VerifyAhead.Started<Item> next, Map<StorePath, String> state,
                           List<PathPublisher.Written> written, UpstreamCheck.Answers answers, PathPublisher.Indexed ownWrites) {
        NarInfo info = next.info();
        try {
            publisher.write(record, next.placed(), written, answers, ownWrites);
            if (written.size() >= CONFIRM_EVERY) {
                // Also along the way, so that an invocation killed mid-batch (a crash, an
                // out-of-memory) leaves at most this many paths unconfirmed, not 200.
                publisher.confirm(record, written);
            }
        } catch (VerificationFailure f) {
            try {
                publisher.reject(record, info, null, f.field() + ": " + f.reason(), f.metricReason());
            } catch (CacheGoneException gone) {
                throw gone.toDomain();
            }
            throw new DomainException(DomainException.Kind.VERIFICATION_FAILED, next.item().field(f.field()),
                    info.storePath() + ": " + f.reason());
        } catch (DomainException e) {
            publisher.rejected("Conflict");
            throw new DomainException(e.kind(), next.item().field(e.field()), e.reason(), e.missing(), e.missingCount());
        } catch (CacheGoneException gone) {
            throw gone.toDomain();
        }
        state.put(info.storePath(), PathState.PUBLISHED.wire());
    }

    /**
     * Refuses, before anything is written, a path whose verification could not finish even in the
     * asynchronous verify function (Lambda's 15-minute limit): it would otherwise wait in state
     * verifying forever. At the conservative default rates that is a NAR beyond ~16 GB as xz or
     * ~80 GB as zstd, less when its file is large too (reading and copying the file cost 45 s a
     * GB: an incompressible path beyond ~16 GB); the message says how to get under it.
     */
    private void requireVerifiable(NarInfo info, String field) {
        Duration estimate = settings.verifyRates().estimate(info.fileSize(), info.narSize(), info.compression());
        if (estimate.compareTo(CacheSettings.MAX_VERIFY_TIME) > 0) {
            throw DomainException.invalid(field, info.storePath() + " is too large to verify within "
                    + CacheSettings.MAX_VERIFY_TIME.toMinutes() + " minutes (estimated " + estimate.toMinutes()
                    + " minutes as " + info.compression().narInfoName() + "); push it with --compression zstd");
        }
    }

    /**
     * Whether the path, started now, would be done within the request's time budget by its
     * conservative estimate. Checking only the time already spent would start a path at 19.9 s that
     * runs past the function's timeout, and every retry of the request would do the same, so such a
     * path could never be published; deferred, the verify function takes it, with minutes to spare.
     */
    private boolean fitsInTime(Instant start, Duration estimate) {
        Duration elapsed = Duration.between(start, clock.instant());
        return elapsed.plus(estimate).compareTo(settings.inlineTimeBudget()) <= 0;
    }

    /** Publishing the same info again is a no-op; different info for a published path is a 409. */
    private void requireSame(PathRecord existing, Item item) {
        String difference = PathInfos.difference(existing.info(), item.info());
        if (difference != null) {
            publisher.rejected("Conflict");
            throw DomainException.conflict(item.field("storePath"), item.info().storePath()
                    + " is already published with different info: " + difference);
        }
    }

    /** The batch in an order where each path comes after its references in the batch. */
    private static List<Item> referencesFirst(Map<StorePath, Item> batch) {
        List<Item> ordered = TopologicalOrder.partial(batch.values(), i -> i.info().storePath(), i -> i.info().references());
        if (ordered.size() != batch.size()) {
            Set<Item> placed = new HashSet<>(ordered);
            Item stuck = batch.values().stream().filter(i -> !placed.contains(i)).findFirst().orElseThrow();
            throw DomainException.invalid(stuck.field("references"), "the batch's references form a cycle through "
                    + stuck.info().storePath() + "; store paths cannot refer to each other in a circle");
        }
        return ordered;
    }
}
