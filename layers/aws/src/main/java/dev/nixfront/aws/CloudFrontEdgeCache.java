package dev.nixfront.aws;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.EdgeCache;
import java.time.Clock;
import java.util.Objects;
import software.amazon.awssdk.services.cloudfront.CloudFrontClient;

/**
 * A deleted cache's copies at CloudFront dropped with one {@code CreateInvalidation} of
 * {@code /<cache>/*} on the read path's distribution: one wildcard path, which CloudFront counts as one
 * of the 1,000 free paths a month. The request is not waited for (an invalidation takes a minute or
 * so, the admin function has 29 s); CloudFront carries it out once accepted.
 *
 * <p>The {@code CallerReference} is the cache, its incarnation and the time: CloudFront treats a
 * repeated reference as the same request, so the SDK's own retries of one call cannot make two, while
 * a delete repeated later (to repair a failed invalidation) makes a new one.
 */
public final class CloudFrontEdgeCache implements EdgeCache {
    private final CloudFrontClient cloudFront;
    private final String distributionId;
    private final Clock clock;

    public CloudFrontEdgeCache(CloudFrontClient cloudFront, String distributionId, Clock clock) {
        this.cloudFront = Objects.requireNonNull(cloudFront, "cloudFront");
        this.distributionId = Objects.requireNonNull(distributionId, "distributionId");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The invalidation path of a cache: everything under its name, the first segment of every key it serves. */
    static String path(CacheRecord cache) {
        return "/" + cache.name().value() + "/*";
    }

    /** The request's reference: {@code <cache>.<incarnation>.<epoch ms>} (incarnation empty for a cache older than incarnations). */
    static String callerReference(CacheRecord cache, Clock clock) {
        return cache.name().value() + "." + cache.incarnation() + "." + clock.millis();
    }

    @Override
    public void invalidate(CacheRecord cache) {
        String reference = callerReference(cache, clock);
        cloudFront.createInvalidation(b -> b.distributionId(distributionId)
                .invalidationBatch(batch -> batch.callerReference(reference)
                        .paths(paths -> paths.quantity(1).items(path(cache)))));
    }
}
