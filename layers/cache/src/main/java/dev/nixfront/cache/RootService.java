package dev.nixfront.cache;

import dev.nixfront.api.RootsRequest;
import dev.nixfront.api.RootsResponse;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.cache.port.RootRecord;
import dev.nixfront.cache.port.RootRepository;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The roots a push reports: the store paths on its command line, recorded with the time of the
 * report when the cache has published them. Garbage collection marks from the roots pushed within
 * a cache's retention, so a push reports its roots at its end every time, also when the cache had
 * everything: that is what keeps a closure in use from ageing out.
 */
public final class RootService {
    private final PathIndex paths;
    private final RootRepository roots;
    private final Clock clock;
    private final String storeDir;
    private final CacheLookup lookup;

    RootService(CacheRepository caches, PathIndex paths, RootRepository roots, Clock clock, String storeDir) {
        this.paths = Objects.requireNonNull(paths);
        this.roots = Objects.requireNonNull(roots);
        this.clock = Objects.requireNonNull(clock);
        this.storeDir = Objects.requireNonNull(storeDir);
        this.lookup = new CacheLookup(caches);
    }

    /**
     * Records, as pushed now, every root the cache has published (one batched index read); answers
     * which were recorded and which are not published. Every root is validated before anything is
     * written. Needs write permission: a reader must not keep paths alive.
     */
    public RootsResponse record(Principal principal, String cache, RootsRequest request) {
        CacheRecord record = lookup.require(principal, cache, Permission.WRITE);
        if (request == null) {
            throw DomainException.invalid(null, "the request needs a JSON body");
        }
        if (request.roots().isEmpty()) {
            throw DomainException.invalid("roots", "report at least one root");
        }
        if (request.roots().size() > RootsRequest.MAX) {
            throw DomainException.tooMany("roots", "at most " + RootsRequest.MAX + " roots per request, got " + request.roots().size());
        }
        Set<StorePath> reported = new LinkedHashSet<>();
        for (int i = 0; i < request.roots().size(); i++) {
            reported.add(storePath(request.roots().get(i), storeDir, "roots[" + i + "]"));
        }
        Map<StorePathHash, PathRecord> indexed = paths.get(record, reported.stream().map(StorePath::hash).toList());
        Instant now = clock.instant();
        List<RootRecord> published = new ArrayList<>();
        List<String> notPublished = new ArrayList<>();
        for (StorePath root : reported) {
            if (keptAlive(paths, record, indexed.get(root.hash()), root)) {
                published.add(new RootRecord(root, now));
            } else {
                notPublished.add(root.toString());
            }
        }
        if (!published.isEmpty()) {
            roots.record(record, published);
        }
        return new RootsResponse(published.stream().map(r -> r.path().toString()).toList(), notPublished);
    }

    /** Published under exactly this store path: a record for the hash under another name is not this path. */
    static boolean publishedAs(PathRecord record, StorePath path) {
        // Collecting counts: it is still served, and a root or pin recorded now keeps it, since the
        // collection reads roots and pins again after its fence.
        return record != null && record.readable() && record.info().storePath().equals(path);
    }

    /**
     * Whether {@code path} is published in {@code cache} as {@code record} says, taking it back from a
     * collection that marked it ({@code collecting → published}, as a publish takes back a reference):
     * a collection's sweep reads pins and roots once, before it deletes wave after wave, so a pin or
     * root recorded after that read keeps a collecting path only if the path is no longer collecting
     * when the sweep reaches it (its {@code collecting → deleting} then fails, and its closure stays).
     * False when the collection got there first (the path is being deleted, or gone).
     */
    static boolean keptAlive(PathIndex paths, CacheRecord cache, PathRecord record, StorePath path) {
        if (!publishedAs(record, path)) {
            return false;
        }
        if (record.state() != PathState.COLLECTING || paths.revive(cache, path.hash())) {
            return true;
        }
        PathRecord now = paths.get(cache, List.of(path.hash())).get(path.hash());
        return now != null && now.state() == PathState.PUBLISHED && now.info().storePath().equals(path);
    }

    /** A full store path in {@code storeDir}, or a 400 naming {@code field}. */
    static StorePath storePath(String text, String storeDir, String field) {
        StorePath path;
        try {
            path = StorePath.parse(text);
        } catch (NixFormatException e) {
            throw DomainException.invalid(field, e.reason());
        }
        if (!path.storeDir().equals(storeDir)) {
            throw DomainException.invalid(field, "must be in " + storeDir + ", got " + path);
        }
        return path;
    }
}
