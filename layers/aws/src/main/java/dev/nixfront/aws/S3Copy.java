package dev.nixfront.aws;

import dev.nixfront.cache.port.CopyOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The one way bytes get where they are served ({@link S3ObjectStore#copyIfMatch}): a server-side
 * copy of a verified upload that is conditional on the source's ETag and on the target being free,
 * and stores the named Content-Type and Cache-Control and nothing of the source's. Up to 5 GB:
 * <pre>
 * PUT /bucket/team/nar/h/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar
 * x-amz-copy-source: bucket/_staging/team/h/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar
 * x-amz-copy-source-if-match: "&lt;the ETag that was verified&gt;"
 * if-none-match: *
 * x-amz-metadata-directive: REPLACE
 * content-type: application/x-nix-nar
 * cache-control: public, max-age=31536000, immutable
 * </pre>
 * Above, CreateMultipartUpload on the target with the same two headers, UploadPartCopy of each part
 * with {@code x-amz-copy-source-if-match}, and CompleteMultipartUpload with {@code if-none-match: *}.
 *
 * <p>It looks at the source (pinned to its ETag, for its size) and at the target before copying.
 * On AWS the write conditions alone would keep a written NAR from being replaced; looking first
 * saves a multipart copy of gigabytes that could only end in a 412, and narrows the window to the
 * copy itself on a stand-in that ignores {@code If-None-Match} on CopyObject (s3proxy 4.1.0 does).
 */
final class S3Copy {
    /** CopyObject's limit; larger objects are copied part by part (UploadPartCopy). */
    static final long MAX_SINGLE_COPY = 5L * 1024 * 1024 * 1024;
    /** 512 MiB parts copy 5 TB in under 10,000 parts. */
    static final long COPY_PART_SIZE = 512L * 1024 * 1024;
    private static final int MAX_PARTS = 10_000;
    private static final int HTTP_NOT_FOUND = 404;
    private static final int HTTP_CONFLICT = 409;
    private static final int HTTP_PRECONDITION_FAILED = 412;
    private static final int CONDITIONAL_CONFLICT_ATTEMPTS = 5;

    private final S3Client s3;
    private final String bucket;
    private final long maxSingleCopy;
    private final long copyPartSize;

    S3Copy(S3Client s3, String bucket, long maxSingleCopy, long copyPartSize) {
        this.s3 = Objects.requireNonNull(s3, "s3");
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.maxSingleCopy = maxSingleCopy;
        this.copyPartSize = copyPartSize;
    }

    /**
     * 409 ConditionalRequestConflict: another conditional write to the key is in flight; S3 asks
     * to retry, and the retry then sees the winner (412) or the key free.
     */
    static boolean retryConflict(S3Exception e, int attempt) {
        return e.statusCode() == HTTP_CONFLICT && attempt < CONDITIONAL_CONFLICT_ATTEMPTS;
    }

    CopyOutcome copy(String sourceKey, String sourceEtag, String targetKey, String contentType, String contentEncoding, String cacheControl) {
        HeadObjectResponse source;
        try {
            source = s3.headObject(b -> b.bucket(bucket).key(sourceKey).ifMatch(sourceEtag));
        } catch (S3Exception e) {
            if (e.statusCode() == HTTP_NOT_FOUND || e.statusCode() == HTTP_PRECONDITION_FAILED) {
                return CopyOutcome.SOURCE_CHANGED;
            }
            throw e;
        }
        if (exists(targetKey)) {
            return CopyOutcome.TARGET_EXISTS;
        }
        if (source.contentLength() <= maxSingleCopy) {
            return singleCopy(sourceKey, sourceEtag, targetKey, contentType, contentEncoding, cacheControl);
        }
        return multipartCopy(sourceKey, sourceEtag, source.contentLength(), targetKey, contentType, contentEncoding, cacheControl);
    }

    private boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == HTTP_NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    /** One CopyObject with {@code MetadataDirective: REPLACE}: the target gets the named headers and none of the source's. */
    private CopyOutcome singleCopy(String sourceKey, String sourceEtag, String targetKey, String contentType, String contentEncoding,
                                   String cacheControl) {
        for (int attempt = 1; ; attempt++) {
            try {
                s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(sourceKey).copySourceIfMatch(sourceEtag)
                        .destinationBucket(bucket).destinationKey(targetKey).ifNoneMatch("*")
                        .metadataDirective(MetadataDirective.REPLACE)
                        .contentType(contentType).contentEncoding(contentEncoding).cacheControl(cacheControl));
                return CopyOutcome.COPIED;
            } catch (S3Exception e) {
                if (e.statusCode() == HTTP_NOT_FOUND) {
                    return CopyOutcome.SOURCE_CHANGED;
                }
                if (e.statusCode() == HTTP_PRECONDITION_FAILED) {
                    // S3 answers 412 for either condition; an existing target makes the copy moot.
                    return exists(targetKey) ? CopyOutcome.TARGET_EXISTS : CopyOutcome.SOURCE_CHANGED;
                }
                if (!retryConflict(e, attempt)) {
                    throw e;
                }
            }
        }
    }

    /**
     * UploadPartCopy takes no destination condition, but parts are invisible until the completion,
     * which does. A copy that does not complete is aborted.
     */
    private CopyOutcome multipartCopy(String sourceKey, String sourceEtag, long size, String targetKey,
                                      String contentType, String contentEncoding, String cacheControl) {
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(targetKey)
                .contentType(contentType).contentEncoding(contentEncoding).cacheControl(cacheControl)).uploadId();
        CopyOutcome outcome;
        try {
            outcome = copyParts(sourceKey, sourceEtag, size, targetKey, uploadId);
        } catch (RuntimeException e) {
            try {
                abort(targetKey, uploadId);
            } catch (RuntimeException abort) {
                e.addSuppressed(abort);
            }
            throw e;
        }
        if (outcome != CopyOutcome.COPIED) {
            abort(targetKey, uploadId);
        }
        return outcome;
    }

    /** Every part copy is conditional on the same ETag, so a source replaced mid-copy stops it. */
    private CopyOutcome copyParts(String sourceKey, String sourceEtag, long size, String targetKey, String uploadId) {
        long partSize = Math.max(copyPartSize, (size + MAX_PARTS - 1) / MAX_PARTS);
        List<CompletedPart> parts = new ArrayList<>();
        int partNumber = 1;
        for (long offset = 0; offset < size; offset += partSize, partNumber++) {
            String range = "bytes=" + offset + "-" + (Math.min(size, offset + partSize) - 1);
            int number = partNumber;
            try {
                String etag = s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(sourceKey)
                        .copySourceIfMatch(sourceEtag).copySourceRange(range)
                        .destinationBucket(bucket).destinationKey(targetKey)
                        .uploadId(uploadId).partNumber(number)).copyPartResult().eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            } catch (S3Exception e) {
                if (e.statusCode() == HTTP_NOT_FOUND || e.statusCode() == HTTP_PRECONDITION_FAILED) {
                    return CopyOutcome.SOURCE_CHANGED;
                }
                throw e;
            }
        }
        CompletedMultipartUpload all = CompletedMultipartUpload.builder().parts(parts).build();
        for (int attempt = 1; ; attempt++) {
            try {
                s3.completeMultipartUpload(b -> b.bucket(bucket).key(targetKey).uploadId(uploadId)
                        .multipartUpload(all).ifNoneMatch("*"));
                return CopyOutcome.COPIED;
            } catch (S3Exception e) {
                if (e.statusCode() == HTTP_PRECONDITION_FAILED) {
                    return CopyOutcome.TARGET_EXISTS;
                }
                if (!retryConflict(e, attempt)) {
                    throw e;
                }
            }
        }
    }

    private void abort(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (S3Exception e) {
            if (e.statusCode() != HTTP_NOT_FOUND) {
                throw e;
            }
        }
    }
}
