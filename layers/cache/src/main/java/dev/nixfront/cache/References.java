package dev.nixfront.cache;

import dev.nixfront.api.ApiError;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import dev.nixfront.nix.TopologicalOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Publish's closure check: every reference of the batch other than a path itself must be published
 * in the cache under the same name, be in the batch, or be served by one of the cache's upstreams
 * with a valid signature by its key ({@link UpstreamCheck}). The work is bounded: references outside
 * the batch are deduplicated and capped ({@link #MAX_DISTINCT}), looked up in one batched get,
 * lost index items among them repaired from their narinfos ({@link IndexRepair}, a bounded number
 * of reads), and a 409 names at most {@link ApiError#MAX_MISSING} of them.
 */
final class References {
    /**
     * The most distinct references outside the batch one request may carry. A large closure's batch
     * of 200 paths names a few thousand at most; 10,000 cost 100 batched index reads.
     */
    static final int MAX_DISTINCT = 10_000;

    private final IndexRepair repair;
    private final PathPublisher publisher;
    private final Deferral deferral;
    private final UpstreamCheck upstreams;

    References(IndexRepair repair, PathPublisher publisher, Deferral deferral, UpstreamCheck upstreams) {
        this.repair = Objects.requireNonNull(repair);
        this.publisher = Objects.requireNonNull(publisher);
        this.deferral = Objects.requireNonNull(deferral);
        this.upstreams = Objects.requireNonNull(upstreams);
    }

    /**
     * The distinct references of the batch that are not in it, in request order, at most
     * {@link #MAX_DISTINCT}: each costs an index read (100 per batched get), so without a bound
     * 45 paths of 2,100 references each cost 94,500 reads and 17 s before the answer.
     */
    static Set<StorePath> outside(Map<StorePath, PublishService.Item> batch) {
        Set<StorePath> outside = new LinkedHashSet<>();
        for (PublishService.Item item : batch.values()) {
            for (StorePath ref : item.info().references()) {
                if (!ref.equals(item.info().storePath()) && !batch.containsKey(ref) && outside.add(ref)
                        && outside.size() > MAX_DISTINCT) {
                    throw DomainException.tooMany("paths", "at most " + MAX_DISTINCT + " distinct references"
                            + " outside the batch per request; " + item.field("references") + " is past that: publish"
                            + " fewer paths per request");
                }
            }
        }
        return outside;
    }

    /**
     * Rebuilds, from their narinfo objects, the index items of references the index does not call
     * published although they may be (absent, rejected, or verifying past the deadline), and puts
     * what it rebuilt into {@code indexed}.
     */
    void repair(CacheRecord cache, Set<StorePath> outside, Map<StorePathHash, PathRecord> indexed, Instant now) {
        List<StorePathHash> suspects = new ArrayList<>();
        for (StorePath ref : outside) {
            if (IndexRepair.worthRepairing(indexed.get(ref.hash()), now)) {
                suspects.add(ref.hash());
            }
        }
        if (!suspects.isEmpty()) {
            indexed.putAll(repair.repair(cache, suspects));
        }
    }

    /**
     * Refuses the batch with a 409 if a reference is neither published nor served by one of the
     * cache's upstreams with a valid signature ({@link UpstreamCheck}; what they serve goes to
     * {@code answers}, the request's, for the look before each narinfo). A reference still verifying
     * does not count: its referrers would become readable first. One stuck in {@code verifying}
     * past its deadline (its job lost) is resubmitted first, so the client's next try can succeed.
     * The 409 names the first {@link ApiError#MAX_MISSING} and counts them all; the reason repeats
     * none, so the answer stays far below Lambda's 6 MB whatever was sent.
     */
    void require(CacheRecord cache, Map<StorePath, PublishService.Item> batch, Map<StorePathHash, PathRecord> indexed,
                 Instant now, UpstreamCheck.Answers answers) {
        List<String> named = new ArrayList<>();
        List<NarInfo> stuck = new ArrayList<>();
        Set<StorePath> seen = new HashSet<>();
        Map<StorePath, PublishService.Item> absent = new LinkedHashMap<>();
        for (PublishService.Item item : batch.values()) {
            for (StorePath ref : item.info().references()) {
                if (ref.equals(item.info().storePath()) || batch.containsKey(ref) || !seen.add(ref)) {
                    continue;
                }
                PathRecord r = indexed.get(ref.hash());
                // A collecting one is taken back from its collection right before the narinfo
                // that counts on it is written (PathPublisher).
                if (r == null || !r.info().storePath().equals(ref) || !r.readable()) {
                    absent.put(ref, item);
                }
            }
        }
        UpstreamCheck.Outcome upstream = upstreams.served(cache, absent.keySet(), answers);
        int missing = 0;
        int verifying = 0;
        String firstField = null;
        for (Map.Entry<StorePath, PublishService.Item> e : absent.entrySet()) {
            StorePath ref = e.getKey();
            PublishService.Item item = e.getValue();
            if (upstream.served().contains(ref)) {
                continue;
            }
            PathRecord r = indexed.get(ref.hash());
            boolean sameName = r != null && r.info().storePath().equals(ref);
            missing++;
            if (sameName && r.state() == PathState.VERIFYING) {
                verifying++;
                if (IndexRepair.worthRepairing(r, now) && stuck.size() < PublishRequest.MAX) {
                    stuck.add(r.info());
                }
            }
            if (named.size() < ApiError.MAX_MISSING) {
                named.add(ref.baseName());
            }
            if (firstField == null) {
                firstField = item.field("references");
            }
        }
        if (missing > 0) {
            deferral.submit(cache, referencesFirst(stuck));
            publisher.rejected("MissingReference");
            throw new DomainException(DomainException.Kind.CONFLICT, firstField, "references not published in cache "
                    + cache.name() + " nor in this batch" + (cache.upstreams().isEmpty() ? "" : " nor served, validly signed, by its"
                    + " upstreams") + ": " + missing + (verifying > 0 ? " (" + verifying
                    + " still verifying" + (stuck.isEmpty() ? "" : ", " + stuck.size() + " of them past their deadline and"
                    + " queued again") + ")" : "") + (missing > named.size() ? "; missing names the first "
                    + named.size() : "; missing names them") + upstream.warnings().stream().map(w -> "; " + w)
                    .collect(Collectors.joining()), named, missing);
        }
    }

    /** The paths in an order where each comes after those of its references among them. */
    static List<NarInfo> referencesFirst(List<NarInfo> infos) {
        List<NarInfo> ordered = new ArrayList<>(TopologicalOrder.partial(infos, NarInfo::storePath, NarInfo::references));
        // Records come from validated batches, which had no cycles; were there one, keep the rest as they are.
        Set<NarInfo> placed = new HashSet<>(ordered);
        infos.stream().filter(i -> !placed.contains(i)).forEach(ordered::add);
        return ordered;
    }
}
