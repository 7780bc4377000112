package dev.nixfront.cache;

import dev.nixfront.api.ApiError;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResponse;
import dev.nixfront.api.PublishResult;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.cache.port.VerificationQueue;
import dev.nixfront.cache.port.VerifyJob;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Publishing a batch of narinfos. Everything is validated before anything is written: every field,
 * conflicts with published paths (409), and closure completeness (every reference published or in
 * the batch, else 409 naming them). Then, references before referrers, each path is verified and
 * published inline if it fits what is left of the request's budget: its file and NAR within the
 * byte bounds, and the time spent so far plus its estimated cost ({@link VerifyRates}, from NAR
 * size and compression, not only the file size) within the time budget, well inside API Gateway's
 * 30 s. The rest, and everything referring to them, are recorded {@code verifying} with their full
 * info and go to the {@link VerificationQueue} by store hash in one job, and
 * answer {@code verifying}. Nothing becomes readable before its NAR is verified.
 */
public final class PublishService {
    /**
     * The most distinct references outside the batch one request may carry. A large closure's batch
     * of 200 paths names a few thousand at most; 10,000 cost 100 batched index reads.
     */
    static final int MAX_DISTINCT_REFERENCES = 10_000;

    private final PathIndex paths;
    private final VerificationQueue queue;
    private final Clock clock;
    private final CacheSettings settings;
    private final CacheLookup lookup;
    private final PathPublisher publisher;
    private final SecureRandom random;

    PublishService(CacheRepository caches, PathIndex paths, VerificationQueue queue, PathPublisher publisher,
                   Clock clock, SecureRandom random, CacheSettings settings) {
        this.random = Objects.requireNonNull(random);
        this.paths = Objects.requireNonNull(paths);
        this.queue = Objects.requireNonNull(queue);
        this.publisher = Objects.requireNonNull(publisher);
        this.clock = Objects.requireNonNull(clock);
        this.settings = Objects.requireNonNull(settings);
        this.lookup = new CacheLookup(caches);
    }

    /** One path of the batch, validated, with its position for error fields. */
    private record Item(int index, NarInfo info) {
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

        Set<StorePath> outside = referencesOutside(batch);
        Set<StorePathHash> wanted = new HashSet<>(byHash.keySet());
        outside.forEach(r -> wanted.add(r.hash()));
        Map<StorePathHash, PathRecord> indexed = paths.get(record.name(), wanted);

        Map<StorePath, String> state = new HashMap<>();
        for (Item item : batch.values()) {
            PathRecord existing = indexed.get(item.info().storePath().hash());
            if (existing != null && existing.state() == PathState.PUBLISHED) {
                requireSame(existing, item);
                state.put(item.info().storePath(), PathState.PUBLISHED.wire());
            }
        }
        requireReferences(record, batch, indexed);
        List<Item> ordered = referencesFirst(batch);

        Set<StorePath> deferred = new HashSet<>();
        long inlineBytes = 0;
        for (Item item : ordered) {
            NarInfo info = item.info();
            if (state.containsKey(info.storePath())) {
                continue;
            }
            boolean dependsOnDeferred = info.references().stream().anyMatch(deferred::contains);
            // Decompression makes the NAR the larger side of the work, except for incompressible data.
            long bytes = Math.max(info.fileSize(), info.narSize());
            if (dependsOnDeferred || bytes > settings.inlineVerifyMaxBytes()
                    || inlineBytes + bytes > settings.inlineBatchBudgetBytes() || !fitsInTime(start, info)) {
                deferred.add(info.storePath());
                continue;
            }
            inlineBytes += bytes;
            try {
                publisher.publish(record, info);
            } catch (VerificationFailure f) {
                publisher.reject(record, info, null, f.field() + ": " + f.reason(), f.metricReason());
                throw new DomainException(DomainException.Kind.VERIFICATION_FAILED, item.field(f.field()),
                        info.storePath() + ": " + f.reason());
            } catch (DomainException e) {
                publisher.rejected("Conflict");
                throw new DomainException(e.kind(), item.field(e.field()), e.reason(), e.missing(), e.missingCount());
            }
            state.put(info.storePath(), PathState.PUBLISHED.wire());
        }

        if (!deferred.isEmpty()) {
            // The records hold the full info; the job names them only, to stay far below Lambda's
            // 256 KB async payload (200 narinfos with long reference lists do not).
            List<String> job = new ArrayList<>();
            String attempt = newAttempt();
            for (Item item : ordered) {
                if (deferred.contains(item.info().storePath())) {
                    paths.putUnlessPublished(record.name(),
                            new PathRecord(item.info(), PathState.VERIFYING, null, clock.instant(), attempt));
                    job.add(item.info().storePath().hash().value());
                    state.put(item.info().storePath(), PathState.VERIFYING.wire());
                }
            }
            queue.submit(new VerifyJob(record.name().value(), job));
        }

        return new PublishResponse(requestOrder.stream()
                .map(path -> new PublishResult(path.toString(), state.get(path)))
                .toList());
    }

    /**
     * A fresh id for this request's verifying records. From the injected generator, not
     * {@code UUID.randomUUID()}: SnapStart restores many containers from one snapshot, and only a
     * generator that mixes in fresh entropy on every call (see the functions' wiring) keeps them apart.
     */
    private String newAttempt() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
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
    private boolean fitsInTime(Instant start, NarInfo info) {
        Duration elapsed = Duration.between(start, clock.instant());
        Duration estimate = settings.verifyRates().estimate(info.fileSize(), info.narSize(), info.compression());
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

    /**
     * The distinct references of the batch that are not in it, in request order, at most
     * {@link #MAX_DISTINCT_REFERENCES}: each costs an index read (100 per batched get), so without a
     * bound 45 paths of 2,100 references each cost 94,500 reads and 17 s before the answer.
     */
    private static Set<StorePath> referencesOutside(Map<StorePath, Item> batch) {
        Set<StorePath> outside = new LinkedHashSet<>();
        for (Item item : batch.values()) {
            for (StorePath ref : item.info().references()) {
                if (!ref.equals(item.info().storePath()) && !batch.containsKey(ref) && outside.add(ref)
                        && outside.size() > MAX_DISTINCT_REFERENCES) {
                    throw DomainException.tooMany("paths", "at most " + MAX_DISTINCT_REFERENCES + " distinct references"
                            + " outside the batch per request; " + item.field("references") + " is past that: publish"
                            + " fewer paths per request");
                }
            }
        }
        return outside;
    }

    /**
     * Every reference (other than the path itself) must be published in this cache under the same
     * name, or be in the batch. A reference still verifying does not count: its referrers would
     * become readable first. The 409 names the first {@link ApiError#MAX_MISSING} and counts them
     * all; the reason repeats none, so the answer stays far below Lambda's 6 MB whatever was sent.
     */
    private void requireReferences(CacheRecord cache, Map<StorePath, Item> batch, Map<StorePathHash, PathRecord> indexed) {
        List<String> named = new ArrayList<>();
        Set<StorePath> seen = new HashSet<>();
        int missing = 0;
        int verifying = 0;
        String firstField = null;
        for (Item item : batch.values()) {
            for (StorePath ref : item.info().references()) {
                if (ref.equals(item.info().storePath()) || batch.containsKey(ref) || !seen.add(ref)) {
                    continue;
                }
                PathRecord r = indexed.get(ref.hash());
                boolean published = r != null && r.state() == PathState.PUBLISHED && r.info().storePath().equals(ref);
                if (!published) {
                    missing++;
                    if (r != null && r.state() == PathState.VERIFYING && r.info().storePath().equals(ref)) {
                        verifying++;
                    }
                    if (named.size() < ApiError.MAX_MISSING) {
                        named.add(ref.baseName());
                    }
                    if (firstField == null) {
                        firstField = item.field("references");
                    }
                }
            }
        }
        if (missing > 0) {
            publisher.rejected("MissingReference");
            throw new DomainException(DomainException.Kind.CONFLICT, firstField, "references not published in cache "
                    + cache.name() + " nor in this batch: " + missing + (verifying > 0 ? " (" + verifying
                    + " still verifying)" : "") + (missing > named.size() ? "; missing names the first "
                    + named.size() : "; missing names them"), named, missing);
        }
    }

    /** The batch in an order where each path comes after its references in the batch (Kahn). */
    private static List<Item> referencesFirst(Map<StorePath, Item> batch) {
        Map<StorePath, Integer> pending = new HashMap<>();
        Map<StorePath, List<StorePath>> referrers = new HashMap<>();
        for (Item item : batch.values()) {
            StorePath self = item.info().storePath();
            int count = 0;
            for (StorePath ref : item.info().references()) {
                if (!ref.equals(self) && batch.containsKey(ref)) {
                    count++;
                    referrers.computeIfAbsent(ref, k -> new ArrayList<>()).add(self);
                }
            }
            pending.put(self, count);
        }
        ArrayDeque<StorePath> ready = new ArrayDeque<>();
        for (Item item : batch.values()) {
            if (pending.get(item.info().storePath()) == 0) {
                ready.add(item.info().storePath());
            }
        }
        List<Item> ordered = new ArrayList<>(batch.size());
        while (!ready.isEmpty()) {
            StorePath next = ready.poll();
            ordered.add(batch.get(next));
            for (StorePath referrer : referrers.getOrDefault(next, List.of())) {
                if (pending.merge(referrer, -1, Integer::sum) == 0) {
                    ready.add(referrer);
                }
            }
        }
        if (ordered.size() != batch.size()) {
            Item stuck = batch.values().stream().filter(i -> pending.get(i.info().storePath()) > 0).findFirst().orElseThrow();
            throw DomainException.invalid(stuck.field("references"), "the batch's references form a cycle through "
                    + stuck.info().storePath() + "; store paths cannot refer to each other in a circle");
        }
        return ordered;
    }
}
