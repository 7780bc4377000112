package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.EdgeStore;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.cache.port.Scope;
import dev.nixfront.cache.port.TokenRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * The entries of the {@link EdgeStore} a cache or a token stands for: what the read path needs to
 * let a request through to a private cache with one look-up per key and no chain to walk.
 * <pre>
 * c:team                      {"p":true,"i":"3f9a0c1d2b4e5f60"}     every live cache; p = private
 * t:&lt;sha256 hex&gt;:team       {"i":"3f9a0c1d2b4e5f60","e":0}        a token with read on the named cache
 * t:&lt;sha256 hex&gt;:*          {"e":1767225600}                     a token with read on every cache
 * s:filled                    {"at":1767225600}                    the reconciler has filled the store once
 * </pre>
 * {@code i} is the cache's incarnation (the empty text for a cache older than incarnations), and for
 * a token the incarnation it is bound to; {@code e} is the earliest expiry on the token's chain of
 * makers, in epoch seconds, 0 if nothing on it expires. Values are compact JSON, keys in that order.
 *
 * <p>A token has entries only while its whole chain is valid: none once it or a maker is revoked
 * (the edge cannot walk chains, so the entries of every descendant go with a revocation), and none
 * once the chain has expired or a maker is missing (the edge would refuse it anyway, and the store
 * stays bounded by what is live). {@code s:filled} ({@link #FILLED}) is written by the first complete
 * reconciliation and never removed: until it exists, the store may lack caches the table holds (a
 * store created for a deployment that already had caches), and the admin function fills it before
 * it writes anything else; the read path refuses a cache without an entry either way. Only {@code read} in the token's permission list gives entries:
 * write and admin are for the API, so a push token does not become a download credential.
 */
public final class EdgeEntries {
    public static final String CACHE_PREFIX = "c:";
    public static final String TOKEN_PREFIX = "t:";
    /** The key that says a reconciliation has filled the store once: what the admin function looks for when it starts. */
    public static final String FILLED = "s:filled";
    /** Bound to any incarnation: for a token whose caches were just checked to be live. */
    public static final BiPredicate<CacheName, String> ANY_INCARNATION = (cache, incarnation) -> true;

    private EdgeEntries() {}

    /** {@code c:<cache>}. */
    public static String cacheKey(CacheName cache) {
        return CACHE_PREFIX + cache.value();
    }

    /** {@code t:<sha256 hex>:<cache>}, or {@code t:<sha256 hex>:*} for {@link Scope#ALL}. */
    public static String tokenKey(String secretHash, String cache) {
        return TOKEN_PREFIX + secretHash + ":" + cache;
    }

    /** The cache's entry: {@code c:<name>} for a live cache; nothing for a tombstone. */
    public static Map<String, String> cache(CacheRecord cache) {
        Map<String, String> entries = new TreeMap<>();
        if (cache.live()) {
            entries.put(cacheKey(cache.name()), "{\"p\":" + cache.privateCache() + ",\"i\":\"" + cache.incarnation() + "\"}");
        }
        return entries;
    }

    /**
     * The token's entries at {@code now}: one per named cache (or one {@code *}) when its permissions
     * list {@code read}, its chain of makers (each read with {@code makers}) is valid and unexpired,
     * and, for a named cache, {@code live} accepts the incarnation the token is bound to.
     *
     * @param live whether this incarnation of this cache is the live one: a token bound to a deleted
     *             cache needs no entry, since the edge refuses it on the incarnation anyway
     */
    public static Map<String, String> token(TokenRecord token, Instant now, Function<String, Optional<TokenRecord>> makers,
                                            BiPredicate<CacheName, String> live) {
        Map<String, String> entries = new TreeMap<>();
        if (!token.scope().permissions().contains(Permission.READ)) {
            return entries;
        }
        Lineage lineage;
        try {
            lineage = Lineage.of(token, now, makers);
        } catch (DomainException revokedExpiredOrBroken) {
            return entries;
        }
        long expiry = lineage.expiresAt() == null ? 0 : lineage.expiresAt().getEpochSecond();
        if (token.scope().allCaches()) {
            entries.put(tokenKey(token.secretHash(), Scope.ALL), "{\"e\":" + expiry + "}");
            return entries;
        }
        for (CacheName cache : token.scope().caches()) {
            String incarnation = token.incarnations().getOrDefault(cache.value(), CacheRecord.LEGACY_INCARNATION);
            if (live.test(cache, incarnation)) {
                entries.put(tokenKey(token.secretHash(), cache.value()), "{\"i\":\"" + incarnation + "\",\"e\":" + expiry + "}");
            }
        }
        return entries;
    }

    /** {@link #FILLED}'s value: when the store was first filled, in epoch seconds. */
    public static String filled(Instant at) {
        return "{\"at\":" + at.getEpochSecond() + "}";
    }

    /** Every key the token could have entries under, whatever its state: what its revocation removes. */
    public static List<String> tokenKeys(TokenRecord token) {
        List<String> keys = new ArrayList<>();
        if (token.scope().allCaches()) {
            keys.add(tokenKey(token.secretHash(), Scope.ALL));
        } else {
            token.scope().caches().forEach(cache -> keys.add(tokenKey(token.secretHash(), cache.value())));
        }
        return keys;
    }

    /** Whether {@code key} is one of ours ({@code c:} or {@code t:}), which reconciliation manages. */
    static boolean managed(String key) {
        return key.startsWith(CACHE_PREFIX) || key.startsWith(TOKEN_PREFIX);
    }

    /** Writes {@code entries} in batches the store takes. */
    static void put(EdgeStore edge, Map<String, String> entries) {
        Map<String, String> batch = new TreeMap<>();
        for (Map.Entry<String, String> entry : entries.entrySet()) {
            batch.put(entry.getKey(), entry.getValue());
            if (batch.size() == EdgeStore.MAX_BATCH) {
                edge.put(batch);
                batch = new TreeMap<>();
            }
        }
        if (!batch.isEmpty()) {
            edge.put(batch);
        }
    }

    /** Removes {@code keys} in batches the store takes. */
    static void delete(EdgeStore edge, List<String> keys) {
        for (int from = 0; from < keys.size(); from += EdgeStore.MAX_BATCH) {
            edge.delete(List.copyOf(keys.subList(from, Math.min(keys.size(), from + EdgeStore.MAX_BATCH))));
        }
    }
}
