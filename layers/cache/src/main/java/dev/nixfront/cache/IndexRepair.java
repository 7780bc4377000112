package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.NoSuchObjectException;
import dev.nixfront.cache.port.ObjectStore;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePathHash;
import dev.nixfront.nix.sign.PublicKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Rebuilds a lost index item from the narinfo object. The narinfo is written before the index item,
 * so a crash between the two leaves a readable path that the index calls absent (or still
 * verifying, or rejected by a later failing request); only the original info used to repair it, and
 * a client with a non-reproducible rebuild does not have that, so every referrer got a 409 forever.
 * The narinfo object is ours and signed: when it parses, names the hash it is stored under and
 * carries a valid signature by the cache's current key, it is the truth, and its record is written
 * as {@code published} (conditionally, never over a published one). A narinfo that fails any of
 * these (say, one signed by an earlier cache of the same name) is not indexed.
 *
 * <p>Publish repairs. Status answers from the narinfo without writing: it runs in the query
 * function, and a role that only reads the table is worth more than an early write (the next
 * publish that meets the path writes it). {@code missing} does neither: it stays one batched index
 * read, and a path it wrongly calls missing is healed by the publish that follows.
 */
final class IndexRepair {
    /**
     * The most narinfo reads one request spends on repairs: each is an S3 GET (a 404 for a path that
     * really is missing), tens of milliseconds, in turn. A crash loses one index item at a time, so
     * a few suffice; a request with more missing references than this gets the usual 409, and the
     * next one repairs the next batch of them.
     */
    static final int MAX_READS_PER_REQUEST = 64;
    /** A narinfo is its references (at most 200,000 bytes) plus a few lines: anything longer is not ours. */
    private static final int MAX_NARINFO_BYTES = PathInfos.MAX_REFERENCE_BYTES + 64 * 1024;

    private final ObjectStore objects;
    private final PathIndex paths;
    private final Clock clock;
    private final String storeDir;

    IndexRepair(ObjectStore objects, PathIndex paths, Clock clock, String storeDir) {
        this.objects = Objects.requireNonNull(objects);
        this.paths = Objects.requireNonNull(paths);
        this.clock = Objects.requireNonNull(clock);
        this.storeDir = Objects.requireNonNull(storeDir);
    }

    /**
     * Whether a record may be missing its published narinfo's truth: absent, rejected (a failing
     * request may record over a crashed publish's unindexed path), or verifying past its deadline
     * (its job is lost). A verifying record within its deadline belongs to a job still at work.
     */
    static boolean worthRepairing(PathRecord r, Instant now) {
        return r == null || r.state() == PathState.REJECTED
                || (r.state() == PathState.VERIFYING && r.updatedAt().plus(CacheSettings.VERIFY_DEADLINE).isBefore(now));
    }

    /** Repairs the first {@link #MAX_READS_PER_REQUEST} of {@code hashes}; returns the records now published. */
    Map<StorePathHash, PathRecord> repair(CacheRecord cache, Iterable<StorePathHash> hashes) {
        Map<StorePathHash, PathRecord> repaired = new HashMap<>();
        int reads = 0;
        for (StorePathHash hash : hashes) {
            if (reads++ >= MAX_READS_PER_REQUEST) {
                break;
            }
            repair(cache, hash).ifPresent(r -> repaired.put(hash, r));
        }
        return repaired;
    }

    /** The published record rebuilt from {@code hash}'s narinfo object, if it is there and ours, written to the index. */
    Optional<PathRecord> repair(CacheRecord cache, StorePathHash hash) {
        NarInfo info = read(Layout.narInfo(cache.name(), hash));
        if (info == null || !info.storePath().hash().equals(hash)) {
            return Optional.empty();
        }
        return index(cache, info);
    }

    /**
     * The published record {@code hash}'s narinfo object stands for, if it is there and ours, without
     * writing it: for status, which runs in the query function, whose role only reads the table.
     */
    Optional<PathRecord> published(CacheRecord cache, StorePathHash hash) {
        NarInfo info = read(Layout.narInfo(cache.name(), hash));
        if (info == null || !info.storePath().hash().equals(hash) || !signedBy(cache, info)) {
            return Optional.empty();
        }
        return Optional.of(new PathRecord(info, PathState.PUBLISHED, null, clock.instant()));
    }

    /**
     * Indexes a narinfo found in the bucket as published, if it carries the cache key's signature.
     * Returns the record then (or the published one already there), else empty.
     */
    Optional<PathRecord> index(CacheRecord cache, NarInfo info) {
        if (!signedBy(cache, info)) {
            return Optional.empty();
        }
        PathRecord record = new PathRecord(info, PathState.PUBLISHED, null, clock.instant());
        if (!paths.putUnlessPublished(cache, record)) {
            PathRecord existing = paths.get(cache, List.of(record.hash())).get(record.hash());
            return Optional.ofNullable(existing);
        }
        return Optional.of(record);
    }

    private static boolean signedBy(CacheRecord cache, NarInfo info) {
        try {
            return info.verifiedBy(PublicKey.parse(cache.publicKey()));
        } catch (NixFormatException e) {
            throw new IllegalStateException("cache " + cache.name() + " has an unreadable public key: " + e.reason(), e);
        }
    }

    /** The parsed narinfo at {@code key}, or null when there is none or it is not a narinfo we wrote. */
    private NarInfo read(String key) {
        try (InputStream in = objects.get(key)) {
            byte[] text = in.readNBytes(MAX_NARINFO_BYTES + 1);
            return text.length > MAX_NARINFO_BYTES ? null : NarInfo.parse(text, storeDir);
        } catch (NoSuchObjectException e) {
            return null;
        } catch (NixFormatException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
