package dev.nixfront.cache;

import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.MissingResponse;
import dev.nixfront.api.PathStatus;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePathHash;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Read-only questions about a cache's paths; status sees through a lost index item (see {@link IndexRepair}). */
public final class QueryService {
    private final PathIndex paths;
    private final IndexRepair repair;
    private final Clock clock;
    private final CacheLookup lookup;

    QueryService(CacheRepository caches, PathIndex paths, IndexRepair repair, Clock clock) {
        this.paths = Objects.requireNonNull(paths);
        this.repair = Objects.requireNonNull(repair);
        this.clock = Objects.requireNonNull(clock);
        this.lookup = new CacheLookup(caches);
    }

    /**
     * Which of the hashes are not published (verifying and rejected paths count as missing). The
     * index alone answers, in batched reads: a lost index item makes its path look missing here
     * until the client's publish (of it or of a referrer) rebuilds it from the narinfo.
     */
    public MissingResponse missing(Principal principal, String cache, MissingRequest request) {
        CacheRecord record = lookup.require(principal, cache, Permission.READ);
        if (request == null) {
            throw DomainException.invalid(null, "the request needs a JSON body");
        }
        if (request.storeHashes().size() > MissingRequest.MAX) {
            throw DomainException.tooMany("storeHashes", "at most " + MissingRequest.MAX + " hashes per request, got "
                    + request.storeHashes().size());
        }
        Set<StorePathHash> hashes = new LinkedHashSet<>();
        for (int i = 0; i < request.storeHashes().size(); i++) {
            hashes.add(hash(request.storeHashes().get(i), "storeHashes[" + i + "]"));
        }
        Map<StorePathHash, PathRecord> found = paths.get(record, hashes);
        List<String> missing = new ArrayList<>();
        for (StorePathHash h : hashes) {
            PathRecord r = found.get(h);
            // A collecting path still counts: the publish of a referrer takes it back.
            if (r == null || !r.readable()) {
                missing.add(h.value());
            }
        }
        return new MissingResponse(missing);
    }

    public PathStatus status(Principal principal, String cache, String storeHash) {
        CacheRecord record = lookup.require(principal, cache, Permission.READ);
        StorePathHash hash = hash(storeHash, "hash");
        PathRecord r = paths.get(record, List.of(hash)).get(hash);
        if (IndexRepair.worthRepairing(r, clock.instant())) {
            // One narinfo read: the path may be published although its index item was lost. Answered,
            // not written: this function's role only reads the table; publish writes the item.
            r = repair.published(record, hash).orElse(r);
        }
        if (r == null) {
            return new PathStatus(hash.value(), "absent", null);
        }
        // Clients know published, verifying, rejected and absent: a path a collection is taking is
        // published until it is deleting, and absent from then on (a push uploads it again).
        String state = switch (r.state()) {
            case COLLECTING -> PathState.PUBLISHED.wire();
            case DELETING -> "absent";
            default -> r.state().wire();
        };
        return new PathStatus(hash.value(), state, r.reason());
    }

    static StorePathHash hash(String text, String field) {
        try {
            return StorePathHash.parse(text);
        } catch (NixFormatException e) {
            throw DomainException.invalid(field, e.reason());
        }
    }
}
