package dev.nixfront.cache;

import java.time.Duration;
import java.util.Objects;

/**
 * The tunables of the services, read once by the entry point (environment in Lambda, flags
 * locally) and passed in.
 *
 * @param cacheBaseUrl           where Nix reads caches from (CloudFront URL, local read server), no
 *                               trailing slash; a cache's substituter is {@code cacheBaseUrl/<name>}
 * @param storeDir               the only store directory accepted, {@code /nix/store}
 * @param inlineVerifyMaxBytes   a path whose NAR file or NAR is larger is always verified asynchronously
 * @param inlineBatchBudgetBytes bytes (the larger of file and NAR, per path) one publish request
 *                               verifies inline before the rest go async
 * @param inlineTimeBudget       time one publish request may spend verifying inline, well under API
 *                               Gateway's 30 s and the function's 29 s: a path is started only if
 *                               the time spent so far plus its {@link VerifyRates#estimate} fits
 * @param multipartThreshold     a NAR file above this is uploaded in parts (to staging)
 * @param uploadTtl              lifetime of presigned URLs, at most 15 minutes
 * @param partsPage              part URLs handed out with an upload answer; more come from /uploads/parts
 * @param tokenLookupTtl         how long a container may reuse a token lookup; under a minute so a
 *                               revocation takes effect within one
 * @param verifyRates            the conservative verification speeds behind a path's time estimate
 * @param nameReservation        how long a deleted cache's name stays taken: until no verify job
 *                               queued before the deletion can still run ({@link #NAME_RESERVATION})
 * @param collectionFence        how long a collection waits between marking paths collecting and
 *                               deleting them, and the bound a publisher keeps between checking a
 *                               path's references and its narinfo being written (half of it): so
 *                               no narinfo that counted on a path appears after that path is gone
 *                               ({@link #COLLECTION_FENCE})
 * @param upstreams              what upstreams a cache may have and how long asking them may take
 *                               ({@link UpstreamSettings})
 */
public record CacheSettings(String cacheBaseUrl, String storeDir, long inlineVerifyMaxBytes, long inlineBatchBudgetBytes,
                            Duration inlineTimeBudget, long multipartThreshold, Duration uploadTtl, int partsPage,
                            Duration tokenLookupTtl, VerifyRates verifyRates, Duration nameReservation, Duration collectionFence,
                            UpstreamSettings upstreams) {
    public static final long MIB = 1024L * 1024;
    public static final long DEFAULT_INLINE_VERIFY_MAX_BYTES = 256 * MIB;
    public static final long DEFAULT_MULTIPART_THRESHOLD = 64 * MIB;
    public static final Duration MAX_UPLOAD_TTL = Duration.ofMinutes(15);
    public static final Duration MAX_TOKEN_LOOKUP_TTL = Duration.ofSeconds(60);
    /** What one asynchronous verification may take: the verify function's 15 minutes, less a margin. */
    public static final Duration MAX_VERIFY_TIME = Duration.ofMinutes(14);
    /**
     * How long a path may stay {@code verifying} before its job counts as lost: an async invocation
     * and Lambda's two retries (15 minutes each, 1 and 2 minutes apart) are over in under 50 minutes.
     * The next publish that includes or references such a path resubmits it, and repairs it first
     * if its narinfo is there. A job merely delayed longer (an async event may wait up to
     * {@link #VERIFY_MAX_EVENT_AGE} when the function is throttled) then runs twice, which is
     * harmless: every step is idempotent.
     */
    public static final Duration VERIFY_DEADLINE = Duration.ofHours(1);
    /**
     * The verify function's event settings, which the stack sets (infra's {@code Functions}; a
     * template test ties them to these): Lambda drops an asynchronous event, retries included, once
     * it is this old (its default of 6 hours would keep a deleted cache's name for as long) ...
     */
    public static final Duration VERIFY_MAX_EVENT_AGE = Duration.ofHours(1);
    /** ... and one run of it takes at most this (the function's timeout). */
    public static final Duration VERIFY_FUNCTION_TIMEOUT = Duration.ofMinutes(15);
    /**
     * So a verify job queued before a cache was marked deleted can start until {@link
     * #VERIFY_MAX_EVENT_AGE} after and run for {@link #VERIFY_FUNCTION_TIMEOUT}; an inline publish
     * ends within the publish function's 29 s. Until then the name stays reserved (a 409 naming the
     * time): its objects are keyed by name, so a late job's narinfo must never meet a new cache's.
     */
    public static final Duration NAME_RESERVATION = VERIFY_MAX_EVENT_AGE.plus(VERIFY_FUNCTION_TIMEOUT).plusMinutes(1);
    /**
     * A publisher checks a path's references and then writes its narinfo: in AWS within one
     * invocation of at most 15 minutes, but it gives up (undoes the narinfo, 409) when more than
     * half of this passed between the check and the end of the write. A collection waits this long
     * after marking paths collecting before it deletes any: by then every narinfo whose check saw one
     * of them published has been written and indexed (so the collection sees its referrer), or undone.
     */
    public static final Duration COLLECTION_FENCE = Duration.ofMinutes(2);

    public CacheSettings {
        Objects.requireNonNull(cacheBaseUrl, "cacheBaseUrl");
        cacheBaseUrl = cacheBaseUrl.endsWith("/") ? cacheBaseUrl.substring(0, cacheBaseUrl.length() - 1) : cacheBaseUrl;
        Objects.requireNonNull(storeDir, "storeDir");
        Objects.requireNonNull(inlineTimeBudget, "inlineTimeBudget");
        Objects.requireNonNull(uploadTtl, "uploadTtl");
        Objects.requireNonNull(tokenLookupTtl, "tokenLookupTtl");
        Objects.requireNonNull(verifyRates, "verifyRates");
        Objects.requireNonNull(nameReservation, "nameReservation");
        Objects.requireNonNull(collectionFence, "collectionFence");
        Objects.requireNonNull(upstreams, "upstreams");
        if (collectionFence.isNegative() || collectionFence.isZero()) {
            throw new IllegalArgumentException("collectionFence must be positive");
        }
        if (nameReservation.isNegative()) {
            throw new IllegalArgumentException("nameReservation must not be negative");
        }
        if (uploadTtl.isNegative() || uploadTtl.isZero() || uploadTtl.compareTo(MAX_UPLOAD_TTL) > 0) {
            throw new IllegalArgumentException("uploadTtl must be positive and at most 15 minutes");
        }
        if (tokenLookupTtl.isNegative() || tokenLookupTtl.compareTo(MAX_TOKEN_LOOKUP_TTL) > 0) {
            throw new IllegalArgumentException("tokenLookupTtl must be between 0 and 60 seconds");
        }
        if (multipartThreshold < UploadService.MIN_PART_SIZE || multipartThreshold > UploadService.MAX_SINGLE_PUT) {
            throw new IllegalArgumentException("multipartThreshold must lie between 5 MiB and 5 GiB");
        }
        if (inlineVerifyMaxBytes < 0 || inlineBatchBudgetBytes < 0 || partsPage < 1 || partsPage > 1000) {
            throw new IllegalArgumentException("inline budgets must not be negative; partsPage lies in 1..1000");
        }
    }

    /** Settings with the default verification rates ({@link VerifyRates#defaults()}). */
    public CacheSettings(String cacheBaseUrl, String storeDir, long inlineVerifyMaxBytes, long inlineBatchBudgetBytes,
                         Duration inlineTimeBudget, long multipartThreshold, Duration uploadTtl, int partsPage,
                         Duration tokenLookupTtl) {
        this(cacheBaseUrl, storeDir, inlineVerifyMaxBytes, inlineBatchBudgetBytes, inlineTimeBudget, multipartThreshold,
                uploadTtl, partsPage, tokenLookupTtl, VerifyRates.defaults(), NAME_RESERVATION, COLLECTION_FENCE,
                UpstreamSettings.defaults());
    }

    /**
     * Defaults: inline verification up to 256 MiB (file and NAR) per path and per request, and
     * only what fits in 20 s by {@link VerifyRates#defaults()} (the function times out at 29 s);
     * multipart above 64 MiB; 15-minute URLs; 100 part URLs per page; token lookups reused 30 s.
     */
    public static CacheSettings defaults(String cacheBaseUrl) {
        return new CacheSettings(cacheBaseUrl, "/nix/store", DEFAULT_INLINE_VERIFY_MAX_BYTES, DEFAULT_INLINE_VERIFY_MAX_BYTES,
                Duration.ofSeconds(20), DEFAULT_MULTIPART_THRESHOLD, MAX_UPLOAD_TTL, 100, Duration.ofSeconds(30),
                VerifyRates.defaults(), NAME_RESERVATION, COLLECTION_FENCE,
                UpstreamSettings.defaults());
    }

    public CacheSettings withInlineVerifyMaxBytes(long bytes) {
        return new CacheSettings(cacheBaseUrl, storeDir, bytes, inlineBatchBudgetBytes, inlineTimeBudget,
                multipartThreshold, uploadTtl, partsPage, tokenLookupTtl, verifyRates, nameReservation, collectionFence, upstreams);
    }

    public CacheSettings withInlineBatchBudgetBytes(long bytes) {
        return new CacheSettings(cacheBaseUrl, storeDir, inlineVerifyMaxBytes, bytes, inlineTimeBudget,
                multipartThreshold, uploadTtl, partsPage, tokenLookupTtl, verifyRates, nameReservation, collectionFence, upstreams);
    }

    public CacheSettings withMultipartThreshold(long bytes) {
        return new CacheSettings(cacheBaseUrl, storeDir, inlineVerifyMaxBytes, inlineBatchBudgetBytes, inlineTimeBudget,
                bytes, uploadTtl, partsPage, tokenLookupTtl, verifyRates, nameReservation, collectionFence, upstreams);
    }

    public CacheSettings withPartsPage(int parts) {
        return new CacheSettings(cacheBaseUrl, storeDir, inlineVerifyMaxBytes, inlineBatchBudgetBytes, inlineTimeBudget,
                multipartThreshold, uploadTtl, parts, tokenLookupTtl, verifyRates, nameReservation, collectionFence, upstreams);
    }

    public CacheSettings withVerifyRates(VerifyRates rates) {
        return new CacheSettings(cacheBaseUrl, storeDir, inlineVerifyMaxBytes, inlineBatchBudgetBytes, inlineTimeBudget,
                multipartThreshold, uploadTtl, partsPage, tokenLookupTtl, rates, nameReservation, collectionFence, upstreams);
    }

    /** Tests and the local stack may free a deleted cache's name sooner; AWS keeps {@link #NAME_RESERVATION}. */
    public CacheSettings withNameReservation(Duration reservation) {
        return new CacheSettings(cacheBaseUrl, storeDir, inlineVerifyMaxBytes, inlineBatchBudgetBytes, inlineTimeBudget,
                multipartThreshold, uploadTtl, partsPage, tokenLookupTtl, verifyRates, reservation, collectionFence, upstreams);
    }

    /** Tests and the local stack may wait less between marking and deleting; AWS keeps {@link #COLLECTION_FENCE}. */
    public CacheSettings withCollectionFence(Duration fence) {
        return new CacheSettings(cacheBaseUrl, storeDir, inlineVerifyMaxBytes, inlineBatchBudgetBytes, inlineTimeBudget,
                multipartThreshold, uploadTtl, partsPage, tokenLookupTtl, verifyRates, nameReservation, fence, upstreams);
    }

    /**
     * The local stack lets upstreams be loopback and private addresses (another local cache); AWS keeps
     * {@link UpstreamSettings#defaults()}. (Not a constant here: infra's tests read this class's
     * constants without the core module, which the upstream key needs.)
     */
    public CacheSettings withUpstreams(UpstreamSettings settings) {
        return new CacheSettings(cacheBaseUrl, storeDir, inlineVerifyMaxBytes, inlineBatchBudgetBytes, inlineTimeBudget,
                multipartThreshold, uploadTtl, partsPage, tokenLookupTtl, verifyRates, nameReservation, collectionFence, settings);
    }
}
