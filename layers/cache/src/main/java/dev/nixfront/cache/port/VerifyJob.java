package dev.nixfront.cache.port;

import dev.nixfront.api.PublishRequest;
import dev.nixfront.nix.StorePathHash;
import java.util.List;
import java.util.Objects;

/**
 * The paths of one publish batch that are verified asynchronously, named by their store hashes in
 * this order: references before referrers, so a referrer never becomes readable before a reference
 * in the same job. A run that is out of time hands the rest on as a new job, in the same order,
 * which runs only after it (see {@code VerifyService}). JSON: {@code {"cache":"team","storeHashes":["0123456789abcdfghijklmnpqrsvwxyz",
 * "syd87l2rxw8cbsxmxl853h0r6pdwhwjr"]}}.
 *
 * <p>Only hashes travel, not the narinfos: publish has already written each path's full info to
 * its {@code verifying} index record, and a Lambda async Invoke refuses payloads over 256 KB, which
 * 200 narinfos with long reference lists exceed (the invoke failed after the records were written).
 * At most {@link PublishRequest#MAX} hashes of 32 characters keep a job under 8 KB.
 *
 * <p>The job also names the cache's incarnation ({@link CacheRecord#incarnation}, e.g.
 * {@code "incarnation":"3f9a0c1d2b4e5f60"}): a job that outlives its cache finds another incarnation
 * or a tombstone under the name, and verifies nothing. A job queued before incarnations existed has
 * none, which stands for {@link CacheRecord#LEGACY_INCARNATION}.
 */
public record VerifyJob(String cache, String incarnation, List<String> storeHashes) {
    public VerifyJob {
        Objects.requireNonNull(cache, "cache");
        incarnation = incarnation == null ? CacheRecord.LEGACY_INCARNATION : incarnation;
        if (!incarnation.isEmpty() && !incarnation.matches("[0-9a-f]{16}")) {
            throw new IllegalArgumentException("a verify job's incarnation is 16 lowercase hex digits");
        }
        storeHashes = List.copyOf(storeHashes);
        if (storeHashes.isEmpty()) {
            throw new IllegalArgumentException("a verify job has at least one store hash");
        }
        if (storeHashes.size() > PublishRequest.MAX) {
            throw new IllegalArgumentException("a verify job has at most " + PublishRequest.MAX
                    + " store hashes, got " + storeHashes.size());
        }
        // Validated here so a forged or garbled event fails reading, before anything is looked up.
        storeHashes.forEach(StorePathHash::new);
    }
}
