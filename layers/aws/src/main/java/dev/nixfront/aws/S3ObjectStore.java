package dev.nixfront.aws;

import dev.nixfront.cache.port.CompletedPart;
import dev.nixfront.cache.port.CopyOutcome;
import dev.nixfront.cache.port.NoSuchObjectException;
import dev.nixfront.cache.port.ObjectChangedException;
import dev.nixfront.cache.port.ObjectStore;
import dev.nixfront.cache.port.PresignedRequest;
import dev.nixfront.cache.port.StoredObject;
import dev.nixfront.cache.port.UploadRejectedException;
import dev.nixfront.nix.Hash;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * {@link ObjectStore} on one S3 bucket. Uploads of NAR bytes never pass through here: the client
 * gets presigned requests whose signed headers pin exactly the bytes S3 will accept.
 *
 * <p>A presigned single PUT signs {@code content-length} and {@code x-amz-checksum-sha256}, e.g.
 * <pre>
 * PUT /bucket/_staging/team/h/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar?X-Amz-Algorithm=AWS4-HMAC-SHA256&amp;...
 * content-length: 120
 * x-amz-checksum-sha256: 9m2HXTN5mpJV4rJhiaiiUJKVuU0gBsvtyUbAHmQ5qNo=
 * content-type: application/x-nix-nar
 * </pre>
 * S3 recomputes the SHA-256 of the body and refuses another one with 400 BadDigest, storing nothing;
 * since the key is named after that same hash, a single PUT can only ever store the right bytes.
 * It cannot refuse standard headers it was not asked to sign, though ({@code Content-Encoding: gzip},
 * {@code Content-Disposition}; S3 refuses unsigned {@code x-amz-*} ones, s3proxy stores those too),
 * so the domain presigns staging keys only, and {@link #copyIfMatch} ({@link S3Copy}) writes what
 * is served, with headers of its own.
 */
public final class S3ObjectStore implements ObjectStore {
    /** DeleteObjects takes at most 1000 keys, as many as one ListObjectsV2 page holds. */
    private static final int MAX_KEYS_PER_DELETE = 1000;
    private static final int HTTP_NOT_FOUND = 404;
    private static final int HTTP_PRECONDITION_FAILED = 412;
    /** What S3 answers to a completion whose upload id or parts the client got wrong. */
    private static final Set<String> CLIENT_UPLOAD_ERRORS =
            Set.of("NoSuchUpload", "InvalidPart", "InvalidPartOrder", "EntityTooSmall", "MalformedXML");

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    private final S3Copy copy;
    private final int listPageSize;

    public S3ObjectStore(S3Client s3, S3Presigner presigner, String bucket) {
        this(s3, presigner, bucket, S3Copy.MAX_SINGLE_COPY, S3Copy.COPY_PART_SIZE, MAX_KEYS_PER_DELETE);
    }

    /**
     * Lets tests exercise the multipart copy with megabytes instead of gigabytes, and the paging
     * of {@link #deletePrefix} with dozens of keys instead of thousands.
     */
    S3ObjectStore(S3Client s3, S3Presigner presigner, String bucket, long maxSingleCopy, long copyPartSize,
                  int listPageSize) {
        this.s3 = Objects.requireNonNull(s3, "s3");
        this.presigner = Objects.requireNonNull(presigner, "presigner");
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.copy = new S3Copy(s3, bucket, maxSingleCopy, copyPartSize);
        if (listPageSize < 1 || listPageSize > MAX_KEYS_PER_DELETE) {
            throw new IllegalArgumentException("list page size must be 1.." + MAX_KEYS_PER_DELETE);
        }
        this.listPageSize = listPageSize;
    }

    public static S3ObjectStore create(AwsClients clients, String bucket) {
        return new S3ObjectStore(clients.s3(), clients.s3Presigner(), bucket);
    }

    public String bucket() {
        return bucket;
    }

    @Override
    public Optional<StoredObject> head(String key) {
        try {
            HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key));
            return Optional.of(stored(key, head));
        } catch (S3Exception e) {
            if (e.statusCode() == HTTP_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private static StoredObject stored(String key, HeadObjectResponse head) {
        return new StoredObject(key, head.contentLength(), head.eTag(), head.contentType());
    }

    @Override
    public InputStream get(String key) throws NoSuchObjectException {
        try {
            return s3.getObject(b -> b.bucket(bucket).key(key));
        } catch (NoSuchKeyException e) {
            throw new NoSuchObjectException(key);
        }
    }

    /** A GET with {@code If-Match}: S3 answers 412 if the object has another ETag now, and reads nothing. */
    @Override
    public InputStream get(String key, String etag) throws NoSuchObjectException, ObjectChangedException {
        try {
            return s3.getObject(b -> b.bucket(bucket).key(key).ifMatch(etag));
        } catch (NoSuchKeyException e) {
            throw new NoSuchObjectException(key);
        } catch (S3Exception e) {
            if (e.statusCode() == HTTP_PRECONDITION_FAILED) {
                throw new ObjectChangedException(key, etag);
            }
            if (e.statusCode() == HTTP_NOT_FOUND) {
                throw new NoSuchObjectException(key);
            }
            throw e;
        }
    }

    @Override
    public void put(String key, byte[] body, String contentType, String cacheControl) {
        s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType).cacheControl(cacheControl),
                RequestBody.fromBytes(body));
    }

    @Override
    public boolean putIfAbsent(String key, byte[] body, String contentType, String cacheControl) {
        for (int attempt = 1; ; attempt++) {
            try {
                s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType).cacheControl(cacheControl)
                        .ifNoneMatch("*"), RequestBody.fromBytes(body));
                return true;
            } catch (S3Exception e) {
                if (e.statusCode() == HTTP_PRECONDITION_FAILED) {
                    return false;
                }
                if (!S3Copy.retryConflict(e, attempt)) {
                    throw e;
                }
            }
        }
    }

    /** See {@link S3Copy}: conditional on the source's ETag and on the target being free, headers replaced. */
    @Override
    public CopyOutcome copyIfMatch(String sourceKey, String sourceEtag, String targetKey, String contentType, String contentEncoding,
                                   String cacheControl) {
        return copy.copy(sourceKey, sourceEtag, targetKey, contentType, contentEncoding, cacheControl);
    }

    @Override
    public void delete(String key) {
        s3.deleteObject(b -> b.bucket(bucket).key(key));
    }

    @Override
    public List<String> listKeys(String prefix) {
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException("refusing to list the whole bucket: the prefix is empty");
        }
        List<String> keys = new ArrayList<>();
        for (var page : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix).maxKeys(listPageSize))) {
            page.contents().forEach(o -> keys.add(o.key()));
        }
        return keys;
    }

    /**
     * Lists the prefix page by page (at most 1000 keys each, DeleteObjects' limit) and deletes each
     * page in one request, then aborts multipart uploads still open under the prefix, which would
     * otherwise keep their parts (and their cost) forever.
     */
    @Override
    public void deletePrefix(String prefix) {
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException("refusing to delete the whole bucket: the prefix is empty");
        }
        for (var page : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix).maxKeys(listPageSize))) {
            List<ObjectIdentifier> keys = page.contents().stream()
                    .map(S3Object::key)
                    .map(k -> ObjectIdentifier.builder().key(k).build())
                    .toList();
            if (keys.isEmpty()) {
                continue;
            }
            DeleteObjectsResponse response = s3.deleteObjects(b -> b.bucket(bucket)
                    .delete(Delete.builder().objects(keys).quiet(true).build()));
            if (response.hasErrors() && !response.errors().isEmpty()) {
                var first = response.errors().getFirst();
                throw new IllegalStateException("could not delete " + response.errors().size() + " objects under "
                        + prefix + ", e.g. " + first.key() + ": " + first.code() + " " + first.message());
            }
        }
        String keyMarker = null;
        String uploadIdMarker = null;
        do {
            String km = keyMarker;
            String um = uploadIdMarker;
            ListMultipartUploadsResponse uploads = s3.listMultipartUploads(b -> b.bucket(bucket).prefix(prefix)
                    .keyMarker(km).uploadIdMarker(um).maxUploads(listPageSize));
            for (MultipartUpload upload : uploads.uploads()) {
                abortMultipartUpload(upload.key(), upload.uploadId());
            }
            boolean more = Boolean.TRUE.equals(uploads.isTruncated());
            keyMarker = more ? uploads.nextKeyMarker() : null;
            uploadIdMarker = more ? uploads.nextUploadIdMarker() : null;
        } while (keyMarker != null);
    }

    @Override
    public PresignedRequest presignPut(String key, long contentLength, Hash sha256, String contentType,
                                       String cacheControl, Duration ttl) {
        PutObjectRequest put = PutObjectRequest.builder()
                .bucket(bucket).key(key)
                .contentLength(contentLength)
                .checksumSHA256(sha256.toBase64())
                .contentType(contentType)
                .cacheControl(cacheControl)
                .build();
        var presigned = presigner.presignPutObject(b -> b.signatureDuration(ttl).putObjectRequest(put));
        return presigned(presigned.httpRequest(), presigned.signedHeaders(), presigned.expiration());
    }

    @Override
    public String createMultipartUpload(String key, String contentType) {
        return s3.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType(contentType)).uploadId();
    }

    @Override
    public PresignedRequest presignUploadPart(String key, String uploadId, int partNumber, long contentLength, Duration ttl) {
        UploadPartRequest part = UploadPartRequest.builder()
                .bucket(bucket).key(key).uploadId(uploadId).partNumber(partNumber)
                .contentLength(contentLength)
                .build();
        var presigned = presigner.presignUploadPart(b -> b.signatureDuration(ttl).uploadPartRequest(part));
        return presigned(presigned.httpRequest(), presigned.signedHeaders(), presigned.expiration());
    }

    /**
     * The headers the client must send are the signed ones, minus {@code host}, which every HTTP
     * client derives from the URL itself.
     */
    private static PresignedRequest presigned(SdkHttpRequest request, Map<String, List<String>> signedHeaders,
                                              Instant expiration) {
        Map<String, String> headers = new TreeMap<>();
        signedHeaders.forEach((name, values) -> {
            if (!name.equalsIgnoreCase("host")) {
                headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values));
            }
        });
        URI url;
        try {
            url = request.getUri();
        } catch (RuntimeException e) {
            throw new IllegalStateException("presigner made an invalid URL", e);
        }
        return new PresignedRequest(request.method().name(), url, headers, expiration);
    }

    @Override
    public StoredObject completeMultipartUpload(String key, String uploadId, List<CompletedPart> parts) {
        List<software.amazon.awssdk.services.s3.model.CompletedPart> sdkParts = parts.stream()
                .sorted(Comparator.comparingInt(CompletedPart::partNumber))
                .map(p -> software.amazon.awssdk.services.s3.model.CompletedPart.builder()
                        .partNumber(p.partNumber()).eTag(p.etag()).build())
                .toList();
        try {
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(sdkParts).build()));
        } catch (S3Exception e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            if (code != null && CLIENT_UPLOAD_ERRORS.contains(code)) {
                throw new UploadRejectedException(code + ": " + e.awsErrorDetails().errorMessage(), e);
            }
            throw e;
        }
        return head(key).orElseThrow(() -> new IllegalStateException("completed upload " + key + " is not there"));
    }

    @Override
    public void abortMultipartUpload(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (S3Exception e) {
            if (e.statusCode() != HTTP_NOT_FOUND) {
                throw e;
            }
        }
    }
}
