package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;

/**
 * The object keys, content types and cache lifetimes of a cache. Keys are exactly the URL paths Nix
 * requests below the substituter URL, so the read side serves them without rewriting.
 *
 * <p>Cache-Control: NAR files are named by their hash and never change ({@value #NAR_CACHE_CONTROL});
 * narinfo and nix-cache-info get {@value #NARINFO_CACHE_CONTROL}: a published narinfo never changes
 * either, but when a cache is deleted its files must stop being served within minutes, and a NAR is
 * only reachable through a narinfo. (Nix itself caches narinfo answers locally for much longer.)
 */
public final class Layout {
    public static final String NAR_CONTENT_TYPE = "application/x-nix-nar";
    public static final String NARINFO_CONTENT_TYPE = "text/x-nix-narinfo";
    public static final String CACHE_INFO_CONTENT_TYPE = "text/x-nix-cache-info";
    public static final String NAR_CACHE_CONTROL = "public, max-age=31536000, immutable";
    public static final String NARINFO_CACHE_CONTROL = "public, max-age=300";
    /** What {@code nix copy} gives a log it uploads to a binary cache; the bytes are whatever the build printed. */
    public static final String LOG_CONTENT_TYPE = "text/plain; charset=utf-8";
    /**
     * A log is stored as the client compressed it and served with this encoding: Nix decodes a
     * response by its {@code Content-Encoding} (any but {@code br} through libarchive, which knows
     * zstd, in 2.8 as in today's releases), and browsers do too.
     */
    public static final String LOG_CONTENT_ENCODING = "zstd";
    /**
     * A stored log never changes (it is copied only to a free key), but garbage collection removes
     * the logs of the paths it removes; a day at the edge is how long a removed log may linger.
     */
    public static final String LOG_CACHE_CONTROL = "public, max-age=86400";

    private Layout() {}

    public static String nixCacheInfo(CacheName cache) {
        return cache.prefix() + "nix-cache-info";
    }

    public static String narInfo(CacheName cache, StorePathHash hash) {
        return cache.prefix() + hash.value() + ".narinfo";
    }

    /**
     * The narinfo {@code URL}, relative to the cache root: {@code nar/<shard>/<FileHash nix32>.nar<ext>},
     * the shard being FileHash's last nix32 digit ({@link #shard}). Nix takes any relative URL. Each
     * published path costs reads (HEADs by upload, verification and the copy) and a write under its
     * NAR's prefix, and S3 serves about 5,500 reads and 3,500 writes a second per prefix: one
     * {@code nar/} per cache held it below 2,000 paths a second, 32 give S3 room to split
     * (docs/design.md, "Capacity"). Narinfos written before the shard keep their URL
     * {@code nar/<FileHash nix32>.nar<ext>}, which stays where it was.
     */
    public static String narUrl(Hash fileHash, Compression compression) {
        return "nar/" + shard(fileHash) + "/" + fileHash.toNix32() + ".nar" + compression.fileExtension();
    }

    public static String nar(CacheName cache, Hash fileHash, Compression compression) {
        return cache.prefix() + narUrl(fileHash, compression);
    }

    /**
     * Where Nix looks for the build log of a path whose narinfo names {@code deriver}:
     * {@code log/<Deriver basename>} below the cache ({@code BinaryCacheStore::getBuildLog}).
     */
    public static String logUrl(StorePath deriver) {
        return LOG_DIRECTORY + deriver.baseName();
    }

    public static String log(CacheName cache, StorePath deriver) {
        return cache.prefix() + logUrl(deriver);
    }

    /** Every log of a cache: {@code <cache>/log/}, what garbage collection lists. */
    public static String logPrefix(CacheName cache) {
        return cache.prefix() + LOG_DIRECTORY;
    }

    static final String LOG_DIRECTORY = "log/";

    /**
     * Where a log upload waits for publish: {@code _staging/<cache>/log/<FileHash nix32>.zst}, by
     * content like a NAR's, so that publish finds it from the request alone. {@code log} cannot be
     * a NAR's shard, which is one character.
     */
    public static String logStaging(CacheName cache, Hash fileHash) {
        return stagingPrefix(cache) + LOG_DIRECTORY + fileHash.toNix32() + ".zst";
    }

    /**
     * The root of every cache's staging area, outside all caches: S3 lifecycle rules match a key
     * prefix, so only a shared first segment lets one rule expire uploads that were completed but
     * never published. It cannot collide with a cache's own keys because {@link CacheName} allows
     * only {@code [a-z0-9-]}, so no cache name (the first segment of its keys) starts with
     * {@code _}. The read side never serves it; the stack also denies CloudFront reads below it.
     * Publish deletes a staging object once it is copied; the lifecycle rule expires the abandoned.
     */
    public static final String STAGING_ROOT = "_staging/";

    /** Everything staged for {@code cache}: {@code _staging/<cache>/}. Deleting a cache deletes it too. */
    public static String stagingPrefix(CacheName cache) {
        return STAGING_ROOT + cache.prefix();
    }

    /**
     * Where every upload lands until publish has verified it, a single PUT as well as a multipart
     * upload: {@code _staging/<cache>/<shard>/<FileHash nix32>.nar<ext>}, the shard being the last
     * nix32 digit of FileHash (its five lowest bits: 32 values, uniform). Every staged file is written
     * twice (the client's PUT, publish's DELETE), and S3 takes about 3,500 writes a second per prefix:
     * under one {@code _staging/<cache>/} that alone held a cache below 1,750 paths a second, while
     * 32 prefixes give S3's partitioning somewhere to split (docs/design.md, "Capacity"). No presigned request ever names a
     * key the read path serves, because S3 stores unsigned headers along with signed bytes; the
     * server copies what it verified into {@link #nar} itself. One key per file (not per upload)
     * so publish finds it from the narinfo fields alone; two concurrent uploads of the same file
     * hold the same bytes, and the copy into {@code nar/} is conditional on the ETag that was
     * verified, so whichever completed last is only used if it is what was checked.
     */
    public static String staging(CacheName cache, Hash fileHash, Compression compression) {
        return stagingPrefix(cache) + shard(fileHash) + "/" + fileHash.toNix32() + ".nar" + compression.fileExtension();
    }

    /**
     * Where an upload landed before staging keys were sharded, {@code _staging/<cache>/<FileHash
     * nix32>.nar<ext>}: nothing writes there any more, and verification looks there last, for the
     * uploads of verify jobs queued before an upgrade (docs/deploy.md, "Upgrades").
     */
    static String unshardedStaging(CacheName cache, Hash fileHash, Compression compression) {
        return stagingPrefix(cache) + fileHash.toNix32() + ".nar" + compression.fileExtension();
    }

    /** The last nix32 digit of a file hash: its five lowest bits, uniform over 32 values. */
    static char shard(Hash fileHash) {
        String nix32 = fileHash.toNix32();
        return nix32.charAt(nix32.length() - 1);
    }
}
