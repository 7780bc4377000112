package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.CopyOutcome;
import dev.nixfront.cache.port.Metrics;
import dev.nixfront.cache.port.NarRegistry;
import dev.nixfront.cache.port.NoSuchObjectException;
import dev.nixfront.cache.port.ObjectStore;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.UsageCounter;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies one path and makes it readable, the same way inline and asynchronously. The order of
 * writes is what keeps everything Nix can fetch correct:
 * <ol>
 * <li>the upload waits in staging, where nothing is served; it is read for verification only
 *     while it has the ETag its lookup saw ({@code If-Match}), and copied into {@code nar/} only if
 *     it still has that ETag and the NAR key is free ({@code If-None-Match: *}), with the content
 *     type and cache control the server chooses and nothing else; then the staging object is
 *     deleted. So the bytes copied are the bytes checked, and an object under {@code nar/} is
 *     never replaced;</li>
 * <li>once the NAR is placed, it is claimed in the {@link NarRegistry} (which fails while a
 *     collection deletes it), and right before the narinfo the path's references are looked up
 *     again and must be readable (or served by an upstream of the cache, {@link UpstreamCheck})
 *     (one a collection marked {@code collecting} is taken back): so a collection never removes
 *     what a narinfo being written counts on. If more than half of the collection fence passed
 *     between the earlier of the claim and that look and the end of the index write, the narinfo
 *     is taken back (409): a collection waits the whole fence between marking and deleting. A
 *     reference this very request or job indexed a moment ago ({@link Indexed}) needs no look: its
 *     write is one, and a claim made a moment ago needs no second;</li>
 * <li>the signed narinfo is written with {@code If-None-Match: *}: an existing one (a concurrent
 *     or earlier publish) is kept, and must carry the same info;</li>
 * <li>the index item is written last, never over a published one, nor over one a collection is
 *     deleting (then the narinfo this call wrote is taken back, 409).</li>
 * </ol>
 * A crash between 2 and 3 leaves a readable, unindexed path; publishing it again completes it, and
 * without its original info, {@link IndexRepair} rebuilds the item from the narinfo object.
 */
final class PathPublisher {
    /** A path whose staged upload changed or moved between verification and copy is tried this often. */
    private static final int ATTEMPTS = 3;

    /**
     * Paths a publish request or a verify run indexed itself as published, and when each write
     * began: for a referrer written after it in the same batch, that conditional write is as good
     * as a look at the reference taken when it began (a collection can mark the reference only
     * after reading the item that write made). So a closure that is one chain reads no reference
     * back. Made for one request or run, used by its one writing thread, dropped with it.
     */
    static final class Indexed {
        private final Map<StorePath, Instant> at = new HashMap<>();

        Instant at(StorePath path) {
            return at.get(path);
        }

        void add(StorePath path, Instant began) {
            at.put(path, began);
        }
    }

    private final ObjectStore objects;
    private final PathIndex paths;
    private final SigningKeys keys;
    private final Metrics metrics;
    private final Clock clock;
    private final String storeDir;
    private final NarVerifier verifier;
    private final IndexRepair repair;
    private final CacheRepository caches;
    private final NarRegistry nars;
    private final Duration checkToWrite;
    /**
     * How old a claim or a reference's own write may be and still count for the narinfo about to be
     * written: a quarter fence, so that at least another quarter is left for the narinfo and the
     * index item before {@link #checkToWrite} takes them back. Older ones are made again.
     */
    private final Duration reuseFor;
    private final UsageCounter usage;
    private final UpstreamCheck upstreams;

    PathPublisher(CacheRepository caches, ObjectStore objects, PathIndex paths, NarRegistry nars, SigningKeys keys,
                  Metrics metrics, Clock clock, String storeDir, IndexRepair repair, Duration collectionFence, UsageCounter usage,
                  UpstreamCheck upstreams) {
        this.upstreams = Objects.requireNonNull(upstreams);
        this.caches = Objects.requireNonNull(caches);
        this.nars = Objects.requireNonNull(nars);
        this.checkToWrite = collectionFence.dividedBy(2);
        this.reuseFor = collectionFence.dividedBy(4);
        this.usage = Objects.requireNonNull(usage);
        this.repair = Objects.requireNonNull(repair);
        this.objects = Objects.requireNonNull(objects);
        this.paths = Objects.requireNonNull(paths);
        this.keys = Objects.requireNonNull(keys);
        this.metrics = Objects.requireNonNull(metrics);
        this.clock = Objects.requireNonNull(clock);
        this.storeDir = Objects.requireNonNull(storeDir);
        this.verifier = new NarVerifier(objects);
    }

    /**
     * What one publish wrote, for the caller to {@link #confirm} together with the rest of its
     * batch: the signed info, whether this call copied the NAR and wrote the narinfo, and whether
     * it made the path published (what the metrics count once confirmed).
     */
    record Written(NarInfo signed, boolean copiedNar, boolean wroteNarInfo, boolean newlyPublished) {
    }

    /**
     * Verifies {@code unsigned}'s NAR and publishes it signed, then confirms that the cache is still
     * there ({@link #confirm}). Throws {@link VerificationFailure} for a bad upload (the caller
     * records the rejection), a 409 {@link DomainException} when different info for the path is
     * already published, and {@link CacheGoneException} when the cache was deleted while the path
     * was written (what this call wrote is removed again).
     */
    PathRecord publish(CacheRecord cache, NarInfo unsigned) throws VerificationFailure {
        List<Written> written = new ArrayList<>(1);
        try {
            return publish(cache, unsigned, written);
        } finally {
            // Also after a 409: a NAR this call copied is confirmed or removed like the rest.
            confirm(cache, written);
        }
    }

    /**
     * As {@link #publish(CacheRecord, NarInfo)}, but leaves the look at the cache to the caller:
     * what it wrote is added to {@code written}, which the caller must {@link #confirm} once its
     * batch is written and before it answers, whatever it answers. One consistent read of the cache
     * item a batch instead of one a path: that item is the one key every path of a cache reads.
     */
    PathRecord publish(CacheRecord cache, NarInfo offered, List<Written> written) throws VerificationFailure {
        return write(cache, verifyAndPlace(cache, offered), written, new UpstreamCheck.Answers(), new Indexed());
    }

    /**
     * A path whose NAR is verified and under {@code nar/}, its narinfo not written yet: the info
     * with the URL where the file is, whether this call copied it there (what {@link #confirm}
     * removes if the cache was deleted meanwhile), and when it claimed the NAR for the path; or,
     * when the claim failed, the 409 that {@link #write} answers, in the batch's order.
     */
    record Placed(NarInfo unsigned, boolean copied, Instant claimedAt, DomainException refused) {
        /** For a placed path whose narinfo is never written: confirmed (or its copy undone) with the rest. */
        Written unwritten() {
            return new Written(unsigned, copied, false, false);
        }
    }

    /**
     * The first half of {@link #publish(CacheRecord, NarInfo, List)}: verifies the NAR, puts it
     * under {@code nar/} and claims it for the path. It writes nothing Nix can read and depends on
     * no other path, so a batch may place many paths at once, in any order; only {@link #write}
     * follows reference order. A placed NAR whose narinfo never comes is like one left by a crash
     * between copy and narinfo ("What is under nar/" in docs/design.md), and its claim like one of
     * a publish that failed: a collection drops it once it is older than a fence.
     */
    Placed verifyAndPlace(CacheRecord cache, NarInfo offered) throws VerificationFailure {
        // The URL is always where place() puts the file now: a verifying record written before the
        // NAR keys were sharded carries the unsharded URL, and signing that would publish a narinfo
        // naming no object (found by an outside review).
        String url = Layout.narUrl(offered.fileHash(), offered.compression());
        NarInfo unsigned = offered.url().equals(url) ? offered : offered.toBuilder().url(url).build();
        boolean copied = place(cache, unsigned);
        Instant at = clock.instant();
        DomainException refused = claim(cache, unsigned, at);
        return new Placed(unsigned, copied, at, refused);
    }

    /**
     * Claims the path's NAR at {@code at}; null once claimed, else the 409 to answer. (What the
     * caller copied is still its to remove if the cache is gone, whether or not a collection
     * deleted the object meanwhile: a delete of an absent object changes nothing.)
     */
    private DomainException claim(CacheRecord cache, NarInfo info, Instant at) {
        String narKey = Layout.nar(cache.name(), info.fileHash(), info.compression());
        if (!nars.claim(cache, narKey, info.storePath().hash(), at)) {
            return DomainException.conflict("fileHash", "the NAR of " + info.storePath() + " is being deleted by a garbage"
                    + " collection; push the path again (it is uploaded anew)");
        }
        // Once claimed, no collection can delete the object; but one may have deleted it (and
        // forgotten its record) after it was verified and before the claim: look once more. The
        // claim is not taken back: the user is the store path, so another publish of the same path
        // may hold that very claim by now, on an object it has just copied there (the outside review
        // found a release here letting a collection delete that object under its coming narinfo). A
        // collection drops a claim whose path never got readable; the path's next publish renews it.
        if (objects.head(narKey).isEmpty()) {
            return DomainException.conflict("fileHash", "the NAR of " + info.storePath() + " was deleted by a garbage"
                    + " collection while it was verified; push the path again (it is uploaded anew)");
        }
        return null;
    }

    /**
     * The second half: signs and writes the narinfo of a placed path, with the collection protocol's
     * checks right before it ({@link #keepAlive}), then its index item; what it wrote goes to
     * {@code written}. Paths of one batch go through here one at a time, references first;
     * {@code answers} are what the upstreams told this request or job (the only answers reused),
     * {@code indexed} what it indexed itself (this call adds the path once it has indexed it).
     */
    PathRecord write(CacheRecord cache, Placed placed, List<Written> written, UpstreamCheck.Answers answers, Indexed indexed) {
        NarInfo unsigned = placed.unsigned();
        boolean copied = placed.copied();
        if (placed.refused() != null) {
            written.add(placed.unwritten());
            throw placed.refused();
        }
        NarInfo signed = unsigned.sign(keys.of(cache));
        String narInfoKey = Layout.narInfo(cache.name(), signed.storePath().hash());
        byte[] text = signed.render().getBytes(StandardCharsets.UTF_8);
        Instant checked = keepAlive(cache, signed, placed, written, answers, indexed);
        boolean wrote = objects.putIfAbsent(narInfoKey, text, Layout.NARINFO_CONTENT_TYPE, Layout.NARINFO_CACHE_CONTROL);
        if (wrote && Duration.between(checked, clock.instant()).compareTo(checkToWrite) > 0) {
            objects.delete(narInfoKey);
            written.add(new Written(signed, copied, false, false));
            throw tooSlow(signed);
        }
        // The index item is a copy of the narinfo that is readable: this call's, or the one it found.
        NarInfo readable = signed;
        if (!wrote) {
            NarInfo existing = existingNarInfo(narInfoKey);
            // Its URL too: a narinfo from before the sharded NAR keys names an unsharded object, and
            // an item naming the sharded one would let a collection delete the object Nix is sent to
            // (found by the second outside review).
            readable = existing;
            if (PathInfos.difference(existing, signed) != null) {
                // Published before with other info (a non-reproducible rebuild): that narinfo is
                // the truth. Index it, in case a crash lost its item, so that missing stops calling
                // the path missing and its referrers go through; this request gets the 409.
                repair.index(cache, existing);
            }
            // Recorded before the check that may throw: the NAR this call copied is confirmed (or removed) with the rest.
            written.add(new Written(signed, copied, false, false));
            requireSame(existing, signed);
            written.removeLast();
        }
        Instant indexing = clock.instant();
        PathRecord record = new PathRecord(readable, PathState.PUBLISHED, null, indexing);
        boolean put = paths.putUnlessPublished(cache, record);
        if (!put) {
            PathRecord existing = paths.get(cache, List.of(record.hash())).get(record.hash());
            if (existing == null) {
                // The item that refused the write went before the look (a collection deleting the
                // path got that far): write it again rather than take the narinfo back, which could
                // delete it under another publish of the path that found it meanwhile and indexed
                // it (the second outside review). A write past half a fence from the looks is still
                // taken back below.
                put = paths.putUnlessPublished(cache, record);
                existing = put ? null : paths.get(cache, List.of(record.hash())).get(record.hash());
            }
            if (!put) {
                if (existing == null || existing.state() == PathState.DELETING) {
                    // A collection is removing the path: its narinfo goes next, so one this call wrote
                    // must go first, and the client pushes again once the item is gone.
                    if (wrote) {
                        objects.delete(narInfoKey);
                    }
                    written.add(new Written(signed, copied, false, false));
                    throw beingCollected(signed);
                }
                written.add(new Written(signed, copied, wrote, false));
                requireSame(existing.info(), signed);
                return existing;
            }
        }
        if (!wrote && objects.head(narInfoKey).isEmpty()) {
            // The narinfo was there when this call looked, and a collection removed it (and the item)
            // since: the item just written would say published with no narinfo. Take it back.
            paths.delete(cache, record.hash());
            written.add(new Written(signed, copied, false, false));
            throw beingCollected(signed);
        }
        if (Duration.between(checked, clock.instant()).compareTo(checkToWrite) > 0) {
            // Indexed too late: a collection that marked a reference after the look may have listed
            // the index before this item was in it, and would delete the reference. Take it back.
            if (wrote) {
                objects.delete(narInfoKey);
            }
            paths.delete(cache, record.hash());
            written.add(new Written(signed, copied, false, false));
            throw tooSlow(signed);
        }
        written.add(new Written(signed, copied, wrote, true));
        indexed.add(signed.storePath(), indexing);
        return record;
    }

    private DomainException tooSlow(NarInfo signed) {
        return DomainException.conflict("storePath", signed.storePath() + " took more than " + checkToWrite.toSeconds()
                + " s from checking its references to being indexed, which a garbage collection may not wait for;"
                + " publish it again");
    }

    /**
     * What the narinfo about to be written counts on, made sure of right before it is written: every
     * reference readable (a {@code collecting} one taken back from its collection), and the NAR
     * claimed for this path in the {@link NarRegistry}. A claim made when the path was placed, and
     * a reference this request or job indexed itself, count while they are at most {@link #reuseFor}
     * old: in a chain of paths that is every reference, and the write of a path then waits for no
     * read. Returns the earliest of the looks and the claim, from which the writes are timed.
     */
    private Instant keepAlive(CacheRecord cache, NarInfo signed, Placed placed, List<Written> written, UpstreamCheck.Answers answers,
                              Indexed indexed) {
        Instant checked = clock.instant();
        Instant earliest = checked;
        List<StorePath> lookup = new ArrayList<>();
        for (StorePath ref : signed.references()) {
            if (ref.equals(signed.storePath())) {
                continue;
            }
            Instant own = indexed.at(ref);
            if (own != null && fresh(own, checked)) {
                earliest = own.isBefore(earliest) ? own : earliest;
            } else {
                lookup.add(ref);
            }
        }
        requireAlive(cache, signed, lookup, placed.copied(), written, answers);
        Instant claimed = placed.claimedAt();
        if (!fresh(claimed, checked)) {
            // Verified long before its turn (behind a large NAR): claim again, lest its writes be too late.
            DomainException refused = claim(cache, signed, checked);
            if (refused != null) {
                written.add(new Written(signed, placed.copied(), false, false));
                throw refused;
            }
            claimed = checked;
        }
        return claimed.isBefore(earliest) ? claimed : earliest;
    }

    /** Whether a claim or an own write made {@code at} still counts {@code now} ({@link #reuseFor}). */
    private boolean fresh(Instant at, Instant now) {
        return Duration.between(at, now).compareTo(reuseFor) <= 0;
    }

    /** Each of {@code refs} readable now (a collecting one taken back) or served by an upstream, else a 409 naming it. */
    private void requireAlive(CacheRecord cache, NarInfo signed, List<StorePath> refs, boolean copied, List<Written> written,
                              UpstreamCheck.Answers answers) {
        if (refs.isEmpty()) {
            return;
        }
        Map<StorePathHash, PathRecord> found = paths.get(cache, refs.stream().map(StorePath::hash).distinct().toList());
        List<StorePath> absent = new ArrayList<>();
        for (StorePath ref : refs) {
            PathRecord r = found.get(ref.hash());
            boolean alive = r != null && r.info().storePath().equals(ref) && (r.state() == PathState.PUBLISHED
                    || (r.state() == PathState.COLLECTING && (paths.revive(cache, ref.hash()) || published(cache, ref))));
            if (!alive) {
                absent.add(ref);
            }
        }
        // An upstream's path is no collection's to remove: asking the upstream (what it told this
        // request's closure check is reused) is all it needs; a slow answer ends in tooSlow below.
        Set<StorePath> served = absent.isEmpty() ? Set.of() : upstreams.served(cache, absent, answers).served();
        for (StorePath ref : absent) {
            PathRecord r = found.get(ref.hash());
            if (!served.contains(ref)) {
                written.add(new Written(signed, copied, false, false));
                throw new DomainException(DomainException.Kind.CONFLICT, "references", signed.storePath()
                        + " refers to " + ref.baseName() + ", which is not published in cache " + cache.name()
                        + (r != null && r.state() == PathState.DELETING ? " any more (a garbage collection removed it)" : "")
                        + "; push it again", List.of(ref.baseName()), 1);
            }
        }
    }

    private boolean published(CacheRecord cache, StorePath ref) {
        PathRecord now = paths.get(cache, List.of(ref.hash())).get(ref.hash());
        return now != null && now.state() == PathState.PUBLISHED && now.info().storePath().equals(ref);
    }

    static DomainException beingCollected(NarInfo info) {
        return DomainException.conflict("storePath", info.storePath() + " is being removed by a garbage collection or"
                + " path deletion; push it again in a minute");
    }

    /**
     * Looks at the cache again once everything in {@code written} is written, and if it was deleted
     * meanwhile (or its name is another incarnation's now) removes what those calls wrote: the NARs
     * they copied, the narinfos they wrote, their index items; then throws {@link
     * CacheGoneException}. S3 cannot make a write conditional on a DynamoDB item, so this is what
     * closes the race with deletion: a deletion marks the cache before it sweeps, so either this
     * look saw the cache live, and then every write before it came before the mark and the sweep
     * finds them, or it sees the mark and undoes them itself. What other publishers wrote, they
     * undo themselves; a name stays reserved until none of them can still run. Empties
     * {@code written}; counts the paths it confirmed published. Returns the cache as this look read
     * it ({@code cache} itself when there was nothing to confirm), so that a caller writing more
     * paths checks them under the upstreams the cache has now.
     */
    CacheRecord confirm(CacheRecord cache, List<Written> written) {
        if (written.isEmpty()) {
            return cache;
        }
        List<Written> batch = List.copyOf(written);
        written.clear();
        CacheRecord current = current(cache);
        if (current != null) {
            long published = 0;
            long bytes = 0;
            for (Written w : batch) {
                if (w.newlyPublished()) {
                    metrics.record("PathsPublished", 1, "Count", Map.of());
                    metrics.record("BytesPublished", w.signed().fileSize(), "Bytes", Map.of());
                    published++;
                    bytes += w.signed().fileSize();
                }
            }
            count(cache, published, bytes);
            return current;
        }
        for (Written w : batch) {
            if (w.wroteNarInfo()) {
                objects.delete(Layout.narInfo(cache.name(), w.signed().storePath().hash()));
            }
            if (w.copiedNar()) {
                objects.delete(Layout.nar(cache.name(), w.signed().fileHash(), w.signed().compression()));
            }
            paths.delete(cache, w.signed().storePath().hash());
        }
        throw new CacheGoneException(cache.name(), batch.getFirst().signed().storePath().toString());
    }

    /**
     * One update of the cache's usage per confirmation, not per path. The paths are published
     * whatever happens here, and a retry of the request or job finds them published and counts
     * nothing: so a failed update is counted as a metric rather than failing an answer that
     * would only be repeated ({@code UsageNotCounted}, the paths it missed).
     */
    private void count(CacheRecord cache, long published, long bytes) {
        if (published == 0) {
            return;
        }
        try {
            usage.add(cache, published, bytes, clock.instant());
        } catch (RuntimeException e) {
            metrics.record("UsageNotCounted", published, "Count", Map.of());
        }
    }

    private boolean stillThere(CacheRecord cache) {
        return current(cache) != null;
    }

    /** The cache as it is now, or null if it was deleted (or its name is another incarnation's). */
    private CacheRecord current(CacheRecord cache) {
        CacheRecord current = caches.get(cache.name()).orElse(null);
        return current != null && current.live() && current.incarnation().equals(cache.incarnation()) ? current : null;
    }

    /**
     * Records a rejection and counts it: never over a published path, nor over a verifying record
     * other than {@code examined} (null inline, where the info verified is the request's own): a
     * failing publish of P must not cancel another request's pending verification of P.
     */
    void reject(CacheRecord cache, NarInfo unsigned, PathRecord examined, String reason, String metricReason) {
        // A deletion may be why the upload vanished (its sweep removes staging): then there is no
        // cache to record anything in, and the caller answers 404 rather than a rejection.
        if (!stillThere(cache)) {
            throw new CacheGoneException(cache.name(), unsigned.storePath().toString());
        }
        paths.putRejected(cache, new PathRecord(unsigned, PathState.REJECTED, reason, clock.instant()), examined);
        rejected(metricReason);
    }

    void rejected(String metricReason) {
        metrics.record("PublishRejected", 1, "Count", Map.of("Reason", metricReason));
    }

    static void requireSame(NarInfo published, NarInfo offered) {
        String difference = PathInfos.difference(published, offered);
        if (difference != null) {
            throw DomainException.conflict("storePath", offered.storePath() + " is already published with different info: "
                    + difference);
        }
    }

    /**
     * Verifies the file and, if it is still in staging, puts exactly the verified bytes under
     * {@code nar/}. A NAR key that is already taken holds the same bytes: keys are content-addressed
     * (the key names FileHash) and only this method writes there, after verifying that the bytes
     * hash to it; so a concurrent publisher that copied first has done this path's copy too.
     * Returns true when this call made the copy.
     */
    private boolean place(CacheRecord cache, NarInfo info) throws VerificationFailure {
        String narKey = Layout.nar(cache.name(), info.fileHash(), info.compression());
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Optional<NarVerifier.Verified> verified = verifier.verify(cache.name(), info);
            if (verified.isEmpty()) {
                continue; // moved by a concurrent publisher, or replaced since the lookup: look again
            }
            NarVerifier.Verified v = verified.get();
            if (!v.staged()) {
                return false;
            }
            CopyOutcome copy = objects.copyIfMatch(v.object().key(), v.object().etag(), narKey, Layout.NAR_CONTENT_TYPE,
                    Layout.NAR_CACHE_CONTROL);
            if (copy != CopyOutcome.SOURCE_CHANGED) {
                objects.delete(v.object().key());
                return copy == CopyOutcome.COPIED;
            }
            // The staging object changed after it was read: verify whatever is there now.
        }
        throw DomainException.conflict("fileHash", "the uploaded NAR for " + info.storePath()
                + " kept changing while it was verified; upload it again and publish again");
    }

    private NarInfo existingNarInfo(String key) {
        try (InputStream in = objects.get(key)) {
            return NarInfo.parse(in.readAllBytes(), storeDir);
        } catch (NoSuchObjectException e) {
            throw new IllegalStateException(key + " existed a moment ago and is gone: is the cache being deleted?", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NixFormatException e) {
            throw new IllegalStateException(key + " holds a narinfo nixfront cannot read: " + e.getMessage(), e);
        }
    }
}
