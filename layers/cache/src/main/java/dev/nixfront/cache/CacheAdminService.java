package dev.nixfront.cache;

import dev.nixfront.api.CacheInfo;
import dev.nixfront.api.Durations;
import dev.nixfront.api.CacheList;
import dev.nixfront.api.CacheUsage;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.IndexMigrationRequest;
import dev.nixfront.api.IndexMigrationResponse;
import dev.nixfront.api.UpdateCacheRequest;
import dev.nixfront.api.Upstream;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.CollectionRepository;
import dev.nixfront.cache.port.EdgeCache;
import dev.nixfront.cache.port.EdgeStore;
import dev.nixfront.cache.port.GcPolicy;
import dev.nixfront.cache.port.KeyVault;
import dev.nixfront.cache.port.NarRegistry;
import dev.nixfront.cache.port.ObjectStore;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.cache.port.PinRepository;
import dev.nixfront.cache.port.RootRepository;
import dev.nixfront.cache.port.TrustRepository;
import dev.nixfront.cache.port.UpstreamCache;
import dev.nixfront.cache.port.UsageCounter;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.sign.SecretKey;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Creating, listing, describing, updating and deleting caches. Every change of a cache reaches the
 * read path's {@link EdgeStore} before the answer: a private cache is checked there, and an unknown
 * one is not served at all.
 */
public final class CacheAdminService {
    public static final int DEFAULT_PRIORITY = 40;
    public static final int MAX_PRIORITY = 10_000;
    /** A tombstone is swept again on request only until this long before its name frees: a sweep ends within the admin function's 29 s. */
    static final Duration RESWEEP_MARGIN = Duration.ofMinutes(1);
    /** Listing entries one index call moves: one Query page and as many conditional updates. */
    static final int MIGRATION_STEP = 500;
    /** How long one migration request starts new steps: a step ends well inside the admin function's 29 s. */
    static final Duration MIGRATION_BUDGET = Duration.ofSeconds(20);
    /** Tries of an update that finds the cache changed under it, and rounds of writing its read-path entry. */
    static final int UPDATE_ATTEMPTS = 3;

    private final CacheRepository caches;
    private final PathIndex paths;
    private final ObjectStore objects;
    private final EdgeStore edge;
    private final KeyVault vault;
    private final SecureRandom random;
    private final Clock clock;
    private final CacheSettings settings;
    private final CacheLookup lookup;
    private final RootRepository roots;
    private final PinRepository pins;
    private final UsageCounter usage;

    private final NarRegistry nars;
    private final CollectionRepository collections;
    private final EdgeCache edgeCache;
    private final TrustRepository trusts;

    public CacheAdminService(CacheRepository caches, PathIndex paths, ObjectStore objects, EdgeStore edge, KeyVault vault,
                             SecureRandom random, Clock clock, CacheSettings settings, RootRepository roots, PinRepository pins,
                             UsageCounter usage, NarRegistry nars, CollectionRepository collections, EdgeCache edgeCache,
                             TrustRepository trusts) {
        this.trusts = Objects.requireNonNull(trusts);
        this.nars = Objects.requireNonNull(nars);
        this.collections = Objects.requireNonNull(collections);
        this.edgeCache = Objects.requireNonNull(edgeCache);
        this.roots = Objects.requireNonNull(roots);
        this.pins = Objects.requireNonNull(pins);
        this.usage = Objects.requireNonNull(usage);
        this.caches = Objects.requireNonNull(caches);
        this.paths = Objects.requireNonNull(paths);
        this.objects = Objects.requireNonNull(objects);
        this.edge = Objects.requireNonNull(edge);
        this.vault = Objects.requireNonNull(vault);
        this.random = Objects.requireNonNull(random);
        this.clock = Objects.requireNonNull(clock);
        this.settings = Objects.requireNonNull(settings);
        this.lookup = new CacheLookup(caches);
    }

    /**
     * Creates a cache with a new Ed25519 key named {@code <name>-1}, or the imported one, sealed by
     * the vault, as a new incarnation of its name. Only an admin of all caches creates one: a token
     * of a named cache is bound to an incarnation of it, so it could not use the cache it made.
     *
     * <p>A deleted cache's name is reserved for {@link CacheSettings#nameReservation} after its
     * deletion began (409 naming when it frees); then creating it replaces the tombstone, after
     * sweeping what an interrupted deletion may have left (and invalidating the edge's copies of it
     * again, see {@link #delete}). The item is written first
     * (conditionally: an existing cache's nix-cache-info is never touched), then the read path's
     * entry (until it exists the cache is not served at all), then nix-cache-info, which Nix needs
     * before it will use the cache.
     */
    public CacheInfo create(Principal principal, CreateCacheRequest request) {
        if (request == null) {
            throw DomainException.invalid(null, "the request needs a JSON body");
        }
        CacheName name = CacheLookup.name(request.name(), "name");
        principal.require(name, Permission.ADMIN);
        principal.requireEverywhere(Permission.ADMIN);
        int priority = request.priority() == null ? DEFAULT_PRIORITY : request.priority();
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw DomainException.invalid("priority", "must be between 0 and " + MAX_PRIORITY + ", got " + priority);
        }
        List<UpstreamCache> upstreams = request.upstreams() == null ? settings.upstreams().defaultUpstreams()
                : settings.upstreams().check(request.upstreams());
        SecretKey key;
        if (request.signingKey() == null) {
            key = SecretKey.generate(name + "-1", random);
        } else {
            try {
                key = SecretKey.parse(request.signingKey());
            } catch (NixFormatException e) {
                throw DomainException.invalid("signingKey", e.reason());
            }
        }
        Instant now = clock.instant();
        CacheRecord tombstone = caches.get(name).orElse(null);
        if (tombstone != null) {
            if (tombstone.live()) {
                throw DomainException.conflict("name", "a cache named " + name + " already exists");
            }
            Instant free = tombstone.deletedAt().plus(settings.nameReservation());
            if (now.isBefore(free)) {
                throw DomainException.conflict("name", "the cache named " + name + " was deleted at " + tombstone.deletedAt()
                        + "; its name is free again at " + free + ", when no verification queued before the deletion can still run");
            }
            sweep(tombstone);
        }
        byte[] incarnation = new byte[8];
        random.nextBytes(incarnation);
        CacheRecord record = new CacheRecord(name, key.publicKey().toString(), vault.seal(name, key), priority,
                Boolean.TRUE.equals(request.privateCache()), now, HexFormat.of().formatHex(incarnation), null, GcPolicy.KEEP_ALL, upstreams);
        if (!caches.create(record, tombstone == null ? null : tombstone.deletedAt())) {
            throw DomainException.conflict("name", "a cache named " + name + " was created meanwhile");
        }
        try {
            EdgeEntries.put(edge, EdgeEntries.cache(record));
            objects.put(Layout.nixCacheInfo(name), nixCacheInfo(record), Layout.CACHE_INFO_CONTENT_TYPE,
                    Layout.NARINFO_CACHE_CONTROL);
        } catch (RuntimeException e) {
            // Without nix-cache-info Nix refuses the cache: do not leave a half-created one behind.
            try {
                EdgeEntries.delete(edge, List.of(EdgeEntries.cacheKey(name)));
            } catch (RuntimeException alsoFailed) {
                e.addSuppressed(alsoFailed);
            }
            caches.delete(name);
            throw e;
        }
        return info(record);
    }

    /** The live caches the token may read, by name. */
    public CacheList list(Principal principal) {
        return new CacheList(caches.list().stream()
                .filter(CacheRecord::live)
                .filter(c -> principal.scope().allows(c.name(), Permission.READ))
                .filter(c -> bound(principal, c))
                .map(this::info)
                .toList());
    }

    private static boolean bound(Principal principal, CacheRecord cache) {
        try {
            principal.requireIncarnation(cache);
            return true;
        } catch (DomainException e) {
            return false;
        }
    }

    /**
     * The cache, with its usage (published paths, their NAR files' bytes, the last push that
     * published one): one read of the usage counters, made for this answer only, not for listings.
     */
    public CacheInfo info(Principal principal, String name) {
        CacheRecord cache = lookup.require(principal, name, Permission.READ);
        UsageCounter.Usage counted = usage.read(cache);
        return info(cache).withUsage(new CacheUsage(counted.paths(), counted.narBytes(), counted.lastPush()));
    }

    /**
     * Changes whether a cache is private and its priority, for an admin of the cache (of its live
     * incarnation). The item is updated conditionally on that incarnation, then nix-cache-info is
     * written again when a priority is given (also an unchanged one, so repeating a request that
     * failed halfway repairs it), then the read path's entry: from the answer on, reads of a cache
     * made private need a read token.
     */
    public CacheInfo update(Principal principal, String name, UpdateCacheRequest request) {
        if (request == null) {
            throw DomainException.invalid(null, "the request needs a JSON body");
        }
        boolean gcChange = request.retention() != null || request.maxSize() != null || request.narGrace() != null;
        if (request.privateCache() == null && request.priority() == null && !gcChange && request.upstreams() == null) {
            throw DomainException.invalid("body", "nothing to change: give private, priority, retention, maxSize, narGrace or upstreams");
        }
        List<UpstreamCache> upstreams = request.upstreams() == null ? null : settings.upstreams().check(request.upstreams());
        if (request.maxSize() != null && request.maxSize() < 0) {
            throw DomainException.invalid("maxSize", "must be a number of bytes, or 0 for no limit; got " + request.maxSize());
        }
        Duration retention = request.retention() == null || request.retention().equals(CacheInfo.FOREVER) ? null
                : duration(request.retention(), "retention");
        Duration narGrace = request.narGrace() == null ? null : duration(request.narGrace(), "narGrace");
        if (request.priority() != null && (request.priority() < 0 || request.priority() > MAX_PRIORITY)) {
            throw DomainException.invalid("priority", "must be between 0 and " + MAX_PRIORITY + ", got " + request.priority());
        }
        CacheRecord updated = null;
        for (int attempt = 1; updated == null; attempt++) {
            CacheRecord cache = lookup.require(principal, name, Permission.ADMIN);
            CacheRecord wanted = new CacheRecord(cache.name(), cache.publicKey(), cache.sealedKey(),
                    request.priority() == null ? cache.priority() : request.priority(),
                    request.privateCache() == null ? cache.privateCache() : request.privateCache(),
                    cache.createdAt(), cache.incarnation(), null, cache.gc());
            // Conditional on what was read: written back unchanged, a field this request does not
            // set would undo a concurrent update of it (found by an outside review: a priority change
            // racing a switch to private left the cache public).
            if (caches.update(cache, wanted.privateCache(), wanted.priority())) {
                updated = wanted;
            } else if (attempt == UPDATE_ATTEMPTS) {
                throw DomainException.conflict("cache", "cache " + cache.name() + " kept changing while it was being updated"
                        + " (or was deleted); look it up and try again");
            }
        }
        if (request.priority() != null) {
            objects.put(Layout.nixCacheInfo(updated.name()), nixCacheInfo(updated), Layout.CACHE_INFO_CONTENT_TYPE,
                    Layout.NARINFO_CACHE_CONTROL);
        }
        syncEdgeEntry(updated.name());
        if (gcChange) {
            updated = updateGc(principal, name, request, retention, narGrace);
        }
        if (upstreams != null) {
            updated = updateUpstreams(principal, name, upstreams);
        }
        return info(updated);
    }

    /** The upstreams set, conditionally on the list read, retried like visibility. */
    private CacheRecord updateUpstreams(Principal principal, String name, List<UpstreamCache> upstreams) {
        for (int attempt = 1; ; attempt++) {
            CacheRecord cache = lookup.require(principal, name, Permission.ADMIN);
            if (caches.updateUpstreams(cache, upstreams)) {
                return cache.withUpstreams(upstreams);
            }
            if (attempt == UPDATE_ATTEMPTS) {
                throw DomainException.conflict("cache", "cache " + cache.name() + " kept changing while it was being updated"
                        + " (or was deleted); look it up and try again");
            }
        }
    }

    /** The policy fields of {@code request} set, conditionally on the policy read, retried like visibility. */
    private CacheRecord updateGc(Principal principal, String name, UpdateCacheRequest request, Duration retention, Duration narGrace) {
        for (int attempt = 1; ; attempt++) {
            CacheRecord cache = lookup.require(principal, name, Permission.ADMIN);
            GcPolicy now = cache.gc();
            GcPolicy wanted = new GcPolicy(request.retention() == null ? now.retention() : retention,
                    request.maxSize() == null ? now.maxSize() : request.maxSize() == 0 ? null : request.maxSize(),
                    request.narGrace() == null ? now.narGrace() : narGrace);
            if (caches.updateGc(cache, wanted)) {
                return cache.withGc(wanted);
            }
            if (attempt == UPDATE_ATTEMPTS) {
                throw DomainException.conflict("cache", "cache " + cache.name() + " kept changing while it was being updated"
                        + " (or was deleted); look it up and try again");
            }
        }
    }

    private static Duration duration(String text, String field) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw DomainException.invalid(field, e.getMessage() + (field.equals("retention") ? ", or forever" : ""));
        }
    }

    /**
     * Writes the cache's read-path entry from the table as it is now, and again while the table
     * says otherwise after the write: two updates may write the store in the other order than the
     * table, and the last writer must leave what the table holds (a deleted cache's entry removed).
     * Reconciliation repairs whatever a crash between the two leaves.
     */
    private void syncEdgeEntry(CacheName name) {
        String written = null;
        for (int round = 0; round < UPDATE_ATTEMPTS; round++) {
            Optional<CacheRecord> now = caches.get(name).filter(CacheRecord::live);
            String key = EdgeEntries.cacheKey(name);
            String wanted = now.map(c -> EdgeEntries.cache(c).get(key)).orElse(null);
            if (round > 0 && Objects.equals(wanted, written)) {
                return;
            }
            if (now.isPresent()) {
                EdgeEntries.put(edge, EdgeEntries.cache(now.get()));
            } else {
                edge.delete(List.of(key));
            }
            written = wanted;
        }
    }

    /**
     * Deletes a cache: first marks it deleted (from then on every request, publish and verify job
     * of it finds no cache, and a publish that wrote meanwhile removes what it wrote), then removes
     * its objects (its prefix and its staging area, {@link Layout#stagingPrefix}) and its index
     * items; between the two its read path entry goes, so nothing of it is served from then on
     * (tokens' entries of it are left to reconciliation: they name an incarnation no cache has
     * any more, which the read path refuses). Last, once its objects are gone, the edge's copies of
     * them are invalidated ({@link EdgeCache}: {@code /<cache>/*}), so what the edge fetches again is
     * a 404. The item stays as a tombstone that reserves the name; deleting a tombstone again repeats
     * the sweep and the invalidation, so an interrupted delete is finished by calling it again.
     *
     * <p>A failed invalidation fails the request (500), after the sweep: the cache is deleted, but
     * the caller learns that the edge may still hold it, and repeating the delete within the name's
     * reservation invalidates again. Swallowing it would leave the deleted cache's NARs at the edge for
     * up to a year with nobody told.
     */
    public void delete(Principal principal, String name) {
        CacheName cacheName = CacheLookup.name(name, "cache");
        principal.require(cacheName, Permission.ADMIN);
        CacheRecord cache = caches.get(cacheName)
                .orElseThrow(() -> DomainException.notFound("cache", "no cache named " + cacheName));
        principal.requireIncarnation(cache);
        if (cache.live()) {
            if (!caches.markDeleted(cacheName, cache.incarnation(), clock.instant())) {
                throw DomainException.conflict("cache", "cache " + cacheName + " changed while it was being deleted; try again");
            }
        } else if (!clock.instant().isBefore(cache.deletedAt().plus(settings.nameReservation()).minus(RESWEEP_MARGIN))) {
            // Past the reservation the name may be taken again at any moment, and a sweep by name
            // could then remove the new cache's objects; creating the name sweeps instead.
            throw DomainException.notFound("cache", "no cache named " + cacheName);
        }
        EdgeEntries.delete(edge, List.of(EdgeEntries.cacheKey(cacheName)));
        sweep(cache);
    }

    /**
     * Everything of {@code cache}'s incarnation: objects by name (the name is reserved meanwhile),
     * then index items, then the roots, pins, usage counters and collection record garbage collection keeps, and the
     * OpenID Connect trusts. These are
     * keyed by incarnation like the path items, so a cache created again under the name never sees
     * them either way; deleting them keeps the table from growing with every deleted cache, at the
     * cost of a few queries (32 shards of roots, one partition of pins, 16 known counter keys). A
     * roots or pins request that read the cache before the mark may still write a moment after the
     * sweep: under the old incarnation's keys, where nothing reads it. Then the edge's copies of the
     * cache's objects, only now that whatever the edge fetches again finds nothing.
     */
    private void sweep(CacheRecord cache) {
        objects.deletePrefix(cache.name().prefix());
        objects.deletePrefix(Layout.stagingPrefix(cache.name()));
        paths.deleteAll(cache);
        roots.deleteAll(cache);
        pins.deleteAll(cache);
        trusts.deleteAll(cache);
        usage.deleteAll(cache);
        nars.deleteAll(cache);
        collections.deleteAll(cache);
        edgeCache.invalidate(cache);
    }

    /**
     * Moves the path listings of the live caches from {@code from} on (by name) out of the one
     * partition per cache of before into the sharded listing, until done or
     * {@link #MIGRATION_BUDGET} has passed; the answer's {@code next} is where the next request
     * goes on. Deleted caches are left: their sweep reads both listings. Only admins of all caches
     * migrate, since it touches every cache.
     */
    public IndexMigrationResponse migrateIndex(Principal principal, IndexMigrationRequest request) {
        principal.requireEverywhere(Permission.ADMIN);
        CacheName from = request == null || request.from() == null ? null : CacheLookup.name(request.from(), "from");
        Instant stop = clock.instant().plus(MIGRATION_BUDGET);
        List<CacheRecord> todo = caches.list().stream()
                .filter(CacheRecord::live)
                .filter(c -> from == null || c.name().value().compareTo(from.value()) >= 0)
                .sorted(Comparator.comparing(c -> c.name().value()))
                .toList();
        long moved = 0;
        List<String> finished = new ArrayList<>();
        for (CacheRecord cache : todo) {
            int step = 0;
            do {
                if (!clock.instant().isBefore(stop)) {
                    return new IndexMigrationResponse(moved, finished, cache.name().value());
                }
                // A cache deleted meanwhile is its deletion's to sweep (both listings): moving its items
                // under the sweep's feet only makes it work harder.
                if (!stillLive(cache)) {
                    break;
                }
                step = paths.migrateListing(cache, MIGRATION_STEP);
                moved += step;
            } while (step > 0);
            finished.add(cache.name().value());
        }
        return new IndexMigrationResponse(moved, finished, null);
    }

    private boolean stillLive(CacheRecord cache) {
        return caches.get(cache.name())
                .filter(current -> current.live() && current.incarnation().equals(cache.incarnation()))
                .isPresent();
    }

    CacheInfo info(CacheRecord c) {
        return new CacheInfo(c.name().value(), c.publicKey(), settings.cacheBaseUrl() + "/" + c.name(), c.priority(),
                c.privateCache(), c.createdAt(), c.gc().retention() == null ? CacheInfo.FOREVER : Durations.format(c.gc().retention()),
                c.gc().maxSize(), Durations.format(c.gc().grace()),
                c.upstreams().stream().map(u -> new Upstream(u.url().toString(), u.key().toString())).toList(), null);
    }

    /** {@code StoreDir}, {@code WantMassQuery: 1} (substituters may ask for many paths at once), {@code Priority}. */
    byte[] nixCacheInfo(CacheRecord c) {
        return ("StoreDir: " + settings.storeDir() + "\nWantMassQuery: 1\nPriority: " + c.priority() + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }
}
