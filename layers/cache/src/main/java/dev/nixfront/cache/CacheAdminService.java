package dev.nixfront.cache;

import dev.nixfront.api.CacheInfo;
import dev.nixfront.api.CacheList;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.KeyVault;
import dev.nixfront.cache.port.ObjectStore;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.sign.SecretKey;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;

/** Creating, listing, describing and deleting caches. */
public final class CacheAdminService {
    public static final int DEFAULT_PRIORITY = 40;
    public static final int MAX_PRIORITY = 10_000;

    private final CacheRepository caches;
    private final PathIndex paths;
    private final ObjectStore objects;
    private final KeyVault vault;
    private final SecureRandom random;
    private final Clock clock;
    private final CacheSettings settings;
    private final CacheLookup lookup;

    public CacheAdminService(CacheRepository caches, PathIndex paths, ObjectStore objects, KeyVault vault,
                             SecureRandom random, Clock clock, CacheSettings settings) {
        this.caches = Objects.requireNonNull(caches);
        this.paths = Objects.requireNonNull(paths);
        this.objects = Objects.requireNonNull(objects);
        this.vault = Objects.requireNonNull(vault);
        this.random = Objects.requireNonNull(random);
        this.clock = Objects.requireNonNull(clock);
        this.settings = Objects.requireNonNull(settings);
        this.lookup = new CacheLookup(caches);
    }

    /**
     * Creates a cache with a new Ed25519 key named {@code <name>-1}, or the imported one, sealed by
     * the vault. The item is created first (conditionally, so an existing cache's nix-cache-info
     * is never touched), then nix-cache-info, which Nix needs before it will use the cache.
     */
    public CacheInfo create(Principal principal, CreateCacheRequest request) {
        if (request == null) {
            throw DomainException.invalid(null, "the request needs a JSON body");
        }
        CacheName name = CacheLookup.name(request.name(), "name");
        principal.require(name, Permission.ADMIN);
        int priority = request.priority() == null ? DEFAULT_PRIORITY : request.priority();
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw DomainException.invalid("priority", "must be between 0 and " + MAX_PRIORITY + ", got " + priority);
        }
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
        CacheRecord record = new CacheRecord(name, key.publicKey().toString(), vault.seal(name, key), priority,
                Boolean.TRUE.equals(request.privateCache()), clock.instant());
        if (!caches.create(record)) {
            throw DomainException.conflict("name", "a cache named " + name + " already exists");
        }
        try {
            objects.put(Layout.nixCacheInfo(name), nixCacheInfo(record), Layout.CACHE_INFO_CONTENT_TYPE,
                    Layout.NARINFO_CACHE_CONTROL);
        } catch (RuntimeException e) {
            // Without nix-cache-info Nix refuses the cache: do not leave a half-created one behind.
            caches.delete(name);
            throw e;
        }
        return info(record);
    }

    /** The caches the token may read, by name. */
    public CacheList list(Principal principal) {
        return new CacheList(caches.list().stream()
                .filter(c -> principal.scope().allows(c.name(), Permission.READ))
                .map(this::info)
                .toList());
    }

    public CacheInfo info(Principal principal, String name) {
        return info(lookup.require(principal, name, Permission.READ));
    }

    /**
     * Deletes a cache: objects first (so nothing stays readable), then path items, then the cache
     * item, so an interrupted delete leaves a cache that still exists and can be deleted again.
     * Its staging area lives outside its own prefix ({@link Layout#stagingPrefix}) and goes too.
     */
    public void delete(Principal principal, String name) {
        CacheRecord cache = lookup.require(principal, name, Permission.ADMIN);
        objects.deletePrefix(cache.name().prefix());
        objects.deletePrefix(Layout.stagingPrefix(cache.name()));
        paths.deleteAll(cache.name());
        caches.delete(cache.name());
    }

    CacheInfo info(CacheRecord c) {
        return new CacheInfo(c.name().value(), c.publicKey(), settings.cacheBaseUrl() + "/" + c.name(), c.priority(),
                c.privateCache(), c.createdAt());
    }

    /** {@code StoreDir}, {@code WantMassQuery: 1} (substituters may ask for many paths at once), {@code Priority}. */
    byte[] nixCacheInfo(CacheRecord c) {
        return ("StoreDir: " + settings.storeDir() + "\nWantMassQuery: 1\nPriority: " + c.priority() + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }
}
