package dev.nixfront.cache.port;

/**
 * The CDN's copies of what the bucket serves (CloudFront in AWS), which outlive the objects they
 * were copied from: narinfos and {@code nix-cache-info} for up to five minutes, NARs for up to a year
 * ({@code immutable}). Deleting a cache removes its objects from the bucket, not from the edge.
 *
 * <p>Only a deleted cache is dropped, and whole ({@code /<cache>/*}): a narinfo of a live cache
 * expires by its TTL, a NAR is never replaced, and garbage collection keeps a NAR past its narinfo for
 * a grace period anyway, so per-path invalidations would cost more than they save (CloudFront charges
 * per path beyond the first 1,000 a month; a wildcard counts as one). A deleted cache is refused at the
 * edge by the viewer-request function as soon as its entry leaves the {@link EdgeStore}; what this
 * drops is what a cache created again under the name (after its reservation) would otherwise serve
 * from the old one's copies, and the deleted data itself.
 *
 * <p>Called after the cache's objects are swept, so that whatever the edge fetches again finds them
 * gone; again with every repeated sweep, so a failed invalidation is repaired by deleting again.
 */
public interface EdgeCache {
    /**
     * Asks the edge to drop everything it holds under {@code /<cache>/} (the deleted cache's name;
     * its incarnation tells one request from another) and returns once the request is accepted, not
     * once the edge has acted on it (CloudFront takes a minute or so). A failure throws: the
     * deletion then fails rather than leaving the edge serving the deleted cache.
     */
    void invalidate(CacheRecord cache);

    /** No edge cache in front: what the local read server is (it reads the bucket on every request). */
    EdgeCache NONE = cache -> {
        // nothing holds a copy
    };
}
