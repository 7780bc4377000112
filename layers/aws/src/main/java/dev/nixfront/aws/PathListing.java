package dev.nixfront.aws;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.nix.StorePathHash;
import java.util.List;

/**
 * Where a cache's path items are listed: index {@code gsi2}, one partition per shard of the cache,
 * the shard being the last nix32 digit of the store hash (the hash's five lowest bits, uniform over
 * 32 values since the hash is a truncated SHA-256):
 * <pre>
 * pk=PATH#team.3f9a0c1d2b4e5f60#0123456789abcdfghijklmnpqrsvwxyz  sk=PATH
 * gsi2pk=PATHS#team.3f9a0c1d2b4e5f60#z  gsi2sk=0123456789abcdfghijklmnpqrsvwxyz
 * </pre>
 * One partition per cache used to take every path write of the cache, at about 1,000 write units a
 * second: a few hundred paths a second with the item projected whole. Thirty-two take 32 times that,
 * each entry one write unit (keys only), so the listing is never what limits a cache's publishing
 * (docs/design.md, "Capacity"). A client with write access can choose hashes that all fall in one
 * shard (a store hash is chosen by whoever builds the derivation), which slows only its own cache.
 * Listing a cache is 32 queries, which deletion (and garbage collection) run in parallel.
 */
public final class PathListing {
    /** The nix32 digits, in their order; the shard of a hash is its last digit. */
    public static final List<String> SHARDS = "0123456789abcdfghijklmnpqrsvwxyz".chars()
            .mapToObj(c -> String.valueOf((char) c))
            .toList();

    private PathListing() {
    }

    /** The shard of a store hash: its last nix32 digit. */
    public static String shard(StorePathHash hash) {
        String value = hash.value();
        return value.substring(value.length() - 1);
    }

    /** The gsi2 partition of {@code hash}'s item: {@code PATHS#<owner>#<shard>}. */
    public static String partition(CacheRecord cache, StorePathHash hash) {
        return partition(cache, shard(hash));
    }

    static String partition(CacheRecord cache, String shard) {
        return "PATHS#" + DynamoDbPathIndex.owner(cache) + "#" + shard;
    }

    /**
     * The single gsi1 partition that listed a cache's paths before the listing was sharded,
     * {@code PATHS#<owner>}: read by deletion until {@link DynamoDbPathIndex#migrateListing} has
     * moved every entry out of it.
     */
    static String legacyPartition(CacheRecord cache) {
        return "PATHS#" + DynamoDbPathIndex.owner(cache);
    }
}
