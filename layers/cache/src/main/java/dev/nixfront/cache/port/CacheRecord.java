package dev.nixfront.cache.port;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A cache as stored in the index: its public key in Nix's text form ({@code name:base64}), the
 * secret key sealed by the {@link KeyVault} (never the plain key), the settings that go into
 * {@code nix-cache-info}, and which incarnation of its name it is.
 *
 * <p>A name can be deleted and created again; each creation is a new <em>incarnation</em>, a random
 * identity that is part of the keys of the cache's path items, carried by its verify jobs and bound
 * into the tokens made for it, so nothing of an earlier cache of the same name (index items, late
 * verify jobs, tokens) applies to the new one. Caches created before incarnations existed have
 * {@value #LEGACY_INCARNATION} (the empty text), which keeps their path items where they were.
 * Deletion leaves the item as a tombstone ({@code deletedAt} set) that reserves the name for a while
 * (see {@code CacheAdminService}).
 *
 * @param publicKey    Nix public key text, e.g. {@code team-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=}
 * @param sealedKey    opaque bytes from {@link KeyVault#seal}
 * @param priority     Nix substituter priority (lower wins)
 * @param privateCache whether reads need credentials (recorded; enforced by the read side)
 * @param incarnation  16 lowercase hex digits, or {@value #LEGACY_INCARNATION} for a cache older than incarnations
 * @param deletedAt    when deletion began; null for a live cache
 * @param gc           what garbage collection keeps ({@link GcPolicy#KEEP_ALL} unless set)
 * @param upstreams    the caches whose validly signed paths count as present here, in order (none for a
 *                     cache created before upstreams existed)
 */
public record CacheRecord(CacheName name, String publicKey, byte[] sealedKey, int priority, boolean privateCache,
                          Instant createdAt, String incarnation, Instant deletedAt, GcPolicy gc, List<UpstreamCache> upstreams) {
    public static final String LEGACY_INCARNATION = "";

    public CacheRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(incarnation, "incarnation");
        sealedKey = Objects.requireNonNull(sealedKey, "sealedKey").clone();
        Objects.requireNonNull(gc, "gc");
        upstreams = List.copyOf(Objects.requireNonNull(upstreams, "upstreams"));
        if (priority < 0) {
            throw new IllegalArgumentException("priority must not be negative");
        }
        if (!incarnation.equals(LEGACY_INCARNATION) && !incarnation.matches("[0-9a-f]{16}")) {
            throw new IllegalArgumentException("an incarnation is 16 lowercase hex digits, got '" + incarnation + "'");
        }
    }

    /** A cache without upstreams. */
    public CacheRecord(CacheName name, String publicKey, byte[] sealedKey, int priority, boolean privateCache,
                       Instant createdAt, String incarnation, Instant deletedAt, GcPolicy gc) {
        this(name, publicKey, sealedKey, priority, privateCache, createdAt, incarnation, deletedAt, gc, List.of());
    }

    /** A cache that keeps everything ({@link GcPolicy#KEEP_ALL}), without upstreams. */
    public CacheRecord(CacheName name, String publicKey, byte[] sealedKey, int priority, boolean privateCache,
                       Instant createdAt, String incarnation, Instant deletedAt) {
        this(name, publicKey, sealedKey, priority, privateCache, createdAt, incarnation, deletedAt, GcPolicy.KEEP_ALL);
    }

    /** The same cache with another garbage collection policy. */
    public CacheRecord withGc(GcPolicy policy) {
        return new CacheRecord(name, publicKey, sealedKey, priority, privateCache, createdAt, incarnation, deletedAt, policy, upstreams);
    }

    /** The same cache with other upstreams. */
    public CacheRecord withUpstreams(List<UpstreamCache> list) {
        return new CacheRecord(name, publicKey, sealedKey, priority, privateCache, createdAt, incarnation, deletedAt, gc, list);
    }

    /** Whether the cache is live: not being deleted, not a tombstone. */
    public boolean live() {
        return deletedAt == null;
    }

    /** The same cache, marked deleted at {@code at}. */
    public CacheRecord deleted(Instant at) {
        return new CacheRecord(name, publicKey, sealedKey, priority, privateCache, createdAt, incarnation, at, gc, upstreams);
    }

    @Override
    public byte[] sealedKey() {
        return sealedKey.clone();
    }

    // Records compare arrays by identity; a stored record read back must equal the one written.
    @Override
    public boolean equals(Object o) {
        return o instanceof CacheRecord c && name.equals(c.name) && publicKey.equals(c.publicKey)
                && Arrays.equals(sealedKey, c.sealedKey) && priority == c.priority
                && privateCache == c.privateCache && createdAt.equals(c.createdAt)
                && incarnation.equals(c.incarnation) && Objects.equals(deletedAt, c.deletedAt) && gc.equals(c.gc)
                && upstreams.equals(c.upstreams);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, publicKey, Arrays.hashCode(sealedKey), priority, privateCache, createdAt, incarnation,
                deletedAt, gc, upstreams);
    }

    @Override
    public String toString() {
        return "CacheRecord[name=" + name + ", publicKey=" + publicKey + ", sealedKey=<" + sealedKey.length
                + " bytes>, priority=" + priority + ", privateCache=" + privateCache + ", createdAt=" + createdAt
                + ", incarnation=" + incarnation + ", deletedAt=" + deletedAt + ", gc=" + gc + ", upstreams=" + upstreams + "]";
    }
}
