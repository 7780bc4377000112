package dev.nixfront.cache.port;

import dev.nixfront.nix.Hash;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The bucket: every key is the URL path Nix asks for ({@code <cache>/nix-cache-info},
 * {@code <cache>/<hash>.narinfo}, {@code <cache>/nar/<shard>/<FileHash>.nar.zst}), plus the staging area
 * {@code _staging/<cache>/} where every upload waits to be verified. NAR bytes never pass through
 * this interface on the way in: the client uploads them to staging with presigned requests, and
 * only {@link #copyIfMatch} puts them under {@code nar/}. Unchecked exceptions signal store
 * failures (5xx).
 */
public interface ObjectStore {
    Optional<StoredObject> head(String key);

    /** The object's bytes, streamed; the caller closes the stream. */
    InputStream get(String key) throws NoSuchObjectException, IOException;

    /**
     * The object's bytes only if it still has {@code etag} ({@code If-Match}), streamed; the caller
     * closes the stream. What is read is then exactly the version a {@link #head} reported, so a
     * check of these bytes holds for a {@link #copyIfMatch} with the same ETag. An unconditional
     * read would not do: an ETag names content, not a write (a multipart ETag is the MD5 of its
     * parts' MD5s), so a client could complete garbage, let it be looked at, replace it with good
     * bytes while they are read, and complete the garbage again before the copy.
     *
     * @throws ObjectChangedException the object now has another ETag (S3: 412)
     * @throws NoSuchObjectException  the object is gone
     */
    InputStream get(String key, String etag) throws NoSuchObjectException, ObjectChangedException, IOException;

    /** Writes a small object (narinfo, nix-cache-info) unconditionally. */
    void put(String key, byte[] body, String contentType, String cacheControl);

    /** Writes a small object only if the key is free ({@code If-None-Match: *}); false if it existed. */
    boolean putIfAbsent(String key, byte[] body, String contentType, String cacheControl);

    /**
     * Writes a verified object where it is served: copies {@code sourceKey} to {@code targetKey}
     * only if the source still has {@code sourceEtag} ({@code x-amz-copy-source-if-match}) and the
     * target key is free ({@code If-None-Match: *}), storing {@code contentType} and
     * {@code cacheControl} and nothing else the source carried: no Content-Encoding,
     * Content-Disposition or user metadata (S3: {@code MetadataDirective: REPLACE}). Above 5 GB it
     * is a multipart copy, every part conditional on the source and the completion on the target.
     * So an object written here never changes, and holds only what the caller chose.
     */
    default CopyOutcome copyIfMatch(String sourceKey, String sourceEtag, String targetKey, String contentType, String cacheControl) {
        return copyIfMatch(sourceKey, sourceEtag, targetKey, contentType, null, cacheControl);
    }

    /**
     * As {@link #copyIfMatch(String, String, String, String, String)}, also storing
     * {@code contentEncoding} (unless null): a build log, kept compressed as it was uploaded, that
     * readers decode by that header. Never for a NAR, which Nix decompresses by its narinfo's
     * {@code Compression} (an encoding header would have it decoded twice).
     */
    CopyOutcome copyIfMatch(String sourceKey, String sourceEtag, String targetKey, String contentType, String contentEncoding,
                            String cacheControl);

    /** Deletes the object; no error if it is absent. */
    void delete(String key);

    /** Deletes every object whose key starts with {@code prefix} (list + batched deletes). */
    void deletePrefix(String prefix);

    /** The keys of every object under {@code prefix} (not empty), in key order: what garbage collection sweeps. */
    List<String> listKeys(String prefix);

    /**
     * A presigned single PUT that S3 accepts only with exactly {@code contentLength} bytes whose
     * SHA-256 is {@code sha256} (signed {@code Content-Length} and {@code x-amz-checksum-sha256}
     * headers), and with the given content type and cache control. Headers the client adds beyond
     * the signed ones (Content-Encoding, Content-Disposition; on s3proxy even {@code x-amz-meta-*},
     * which S3 refuses unsigned) are stored too: SigV4 cannot forbid unsigned headers, and the URL
     * can be replayed until it expires. That is why presigned requests only ever name staging keys.
     */
    PresignedRequest presignPut(String key, long contentLength, Hash sha256, String contentType, String cacheControl, Duration ttl);

    /** Starts a multipart upload; returns its upload id. */
    String createMultipartUpload(String key, String contentType);

    /** A presigned UploadPart for one part of exactly {@code contentLength} bytes. */
    PresignedRequest presignUploadPart(String key, String uploadId, int partNumber, long contentLength, Duration ttl);

    /**
     * Completes the upload; returns the object it made (its ETag is what verification pins).
     * Throws {@link UploadRejectedException} when the store refuses the upload id or the parts.
     */
    StoredObject completeMultipartUpload(String key, String uploadId, List<CompletedPart> parts);

    void abortMultipartUpload(String key, String uploadId);
}
