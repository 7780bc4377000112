package dev.nixfront.cache;

import dev.nixfront.api.CompleteUploadRequest;
import dev.nixfront.api.CompleteUploadResponse;
import dev.nixfront.api.MultipartUpload;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PartUrl;
import dev.nixfront.api.PartsRequest;
import dev.nixfront.api.PartsResponse;
import dev.nixfront.api.SignedRequest;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadResponse;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.api.UploadedPart;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.CompletedPart;
import dev.nixfront.cache.port.ObjectStore;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.cache.port.PresignedRequest;
import dev.nixfront.cache.port.StoredObject;
import dev.nixfront.cache.port.UploadRejectedException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Hands out presigned upload requests. The server picks every key, and every key it presigns is a
 * staging key ({@code _staging/<cache>/<shard>/<FileHash>.nar<ext>}), never one the read path serves: a
 * presigned request binds the bytes (a single PUT's length and SHA-256) but not every header S3
 * stores with them, and it can be replayed until it expires. Only publish writes under
 * {@code nar/}, by copying what it verified with headers of its own.
 *
 * <p>Files up to {@code multipartThreshold} (default 64 MiB) take one PUT; larger ones go in parts
 * of {@link #partSize} bytes: at least 16 MiB, and large enough that S3's largest object (5 TiB)
 * fits in its 10,000 parts.
 *
 * <p>One answer must fit Lambda's 6 MB response and the upload function's 15 s. A presigned
 * request is up to ~3 KB of JSON (its URL carries the function's session token, about a kilobyte,
 * beside the SigV4 fields; its headers and the target's hash and key add a few hundred bytes), so
 * an answer holds at most {@link #MAX_PART_URLS_PER_RESPONSE} part URLs in all, the first parts
 * of each multipart upload in request order, and the client fetches the rest from
 * {@code /uploads/parts}: with {@link UploadRequest#MAX} single PUTs beside them, that is at most
 * 1,100 requests, ~3.3 MB. Each NAR costs a HEAD and, if it is large and new, a
 * CreateMultipartUpload; these run on {@link #LOOKUP_THREADS} threads, so 100 NARs are at most 7
 * rounds of two S3 calls instead of 200 in a row: well under a second at their usual tens of
 * milliseconds, and still 14 s only if every one of them took a full second.
 */
public final class UploadService {
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    public static final long DEFAULT_PART_SIZE = 16L * 1024 * 1024;
    public static final long MAX_SINGLE_PUT = 5L * 1024 * 1024 * 1024;
    public static final long MAX_OBJECT_SIZE = NarFile.MAX_SIZE;
    public static final int MAX_PARTS = 10_000;
    /** Part URLs in one upload answer, over all its NARs; further ones come from /uploads/parts. */
    public static final int MAX_PART_URLS_PER_RESPONSE = 1000;
    /** Concurrent lookups (HEAD, CreateMultipartUpload) of one upload request. */
    static final int LOOKUP_THREADS = 16;

    private final ObjectStore objects;
    private final Clock clock;
    private final CacheSettings settings;
    private final CacheLookup lookup;

    public UploadService(CacheRepository caches, ObjectStore objects, Clock clock, CacheSettings settings) {
        this.objects = Objects.requireNonNull(objects);
        this.clock = Objects.requireNonNull(clock);
        this.settings = Objects.requireNonNull(settings);
        this.lookup = new CacheLookup(caches);
    }

    /** Part size for a file: 16 MiB, or whole MiB large enough to stay within 10,000 parts. */
    public static long partSize(long fileSize) {
        long mib = 1024L * 1024;
        long needed = (fileSize + MAX_PARTS - 1) / MAX_PARTS;
        return Math.max(DEFAULT_PART_SIZE, (needed + mib - 1) / mib * mib);
    }

    public static int partCount(long fileSize) {
        long size = partSize(fileSize);
        return (int) ((fileSize + size - 1) / size);
    }

    /**
     * Upload targets for up to {@value UploadRequest#MAX} NARs, in request order; files the cache
     * has are marked present. A multipart target may carry fewer part URLs than its part count, none
     * once the answer holds {@value #MAX_PART_URLS_PER_RESPONSE}: the client asks /uploads/parts.
     */
    public UploadResponse request(Principal principal, String cache, UploadRequest request) {
        CacheRecord record = lookup.require(principal, cache, Permission.WRITE);
        if (request == null) {
            throw DomainException.invalid(null, "the request needs a JSON body");
        }
        if (request.nars().size() > UploadRequest.MAX) {
            throw DomainException.tooMany("nars", "at most " + UploadRequest.MAX + " NARs per request, got " + request.nars().size());
        }
        List<NarFile> nars = new ArrayList<>();
        for (int i = 0; i < request.nars().size(); i++) {
            NarUpload n = request.nars().get(i);
            if (n == null) {
                throw DomainException.invalid("nars[" + i + "]", "must be an object");
            }
            nars.add(NarFile.parse(n.fileHash(), n.fileSize(), n.compression(), "nars[" + i + "]."));
        }
        Instant expiresAt = clock.instant().plus(settings.uploadTtl());
        Map<NarFile, Placement> placements = placements(record.name(), List.copyOf(new LinkedHashSet<>(nars)));
        Map<NarFile, UploadTarget> single = new HashMap<>();
        Map<NarFile, List<PartUrl>> firstPages = new HashMap<>();
        int partUrlsLeft = MAX_PART_URLS_PER_RESPONSE;
        List<UploadTarget> targets = new ArrayList<>();
        for (NarFile nar : nars) {
            Placement placement = placements.get(nar);
            if (placement.uploadId() == null) {
                targets.add(single.computeIfAbsent(nar, n -> singleTarget(record.name(), n, placement.present())));
                continue;
            }
            // A NAR listed twice is answered twice, so its URLs count twice.
            String stagingKey = Layout.staging(record.name(), nar.fileHash(), nar.compression());
            int partCount = partCount(nar.fileSize());
            List<PartUrl> page = firstPages.get(nar);
            if (page == null) {
                int last = Math.min(Math.min(partCount, settings.partsPage()), partUrlsLeft);
                page = partUrls(stagingKey, placement.uploadId(), nar.fileSize(), 1, last);
                firstPages.put(nar, page);
            }
            List<PartUrl> given = page.subList(0, Math.min(page.size(), partUrlsLeft));
            partUrlsLeft -= given.size();
            targets.add(new UploadTarget(nar.fileHash().toString(), stagingKey, false, null,
                    new MultipartUpload(placement.uploadId(), partSize(nar.fileSize()), partCount, given)));
        }
        return new UploadResponse(targets, expiresAt);
    }

    /** What the lookup of one NAR found: the cache has it, it takes one PUT, or a multipart upload was started. */
    private record Placement(boolean present, String uploadId) {}

    /** The lookups of distinct NARs, on up to {@link #LOOKUP_THREADS} threads. */
    private Map<NarFile, Placement> placements(CacheName cache, List<NarFile> distinct) {
        Map<NarFile, Placement> found = new HashMap<>();
        if (distinct.size() <= 1) {
            distinct.forEach(nar -> found.put(nar, placement(cache, nar)));
            return found;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(LOOKUP_THREADS, distinct.size()),
                Thread.ofPlatform().daemon().name("upload-lookup-", 0).factory());
        try {
            List<Future<Placement>> lookups = new ArrayList<>();
            for (NarFile nar : distinct) {
                lookups.add(pool.submit(() -> placement(cache, nar)));
            }
            for (int i = 0; i < distinct.size(); i++) {
                found.put(distinct.get(i), await(lookups.get(i)));
            }
            return found;
        } finally {
            pool.shutdownNow();
        }
    }

    private static Placement await(Future<Placement> lookup) {
        try {
            return lookup.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while looking up uploads", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private Placement placement(CacheName cache, NarFile nar) {
        Optional<StoredObject> existing = objects.head(Layout.nar(cache, nar.fileHash(), nar.compression()));
        if (existing.isPresent() && existing.get().size() == nar.fileSize()) {
            return new Placement(true, null);
        }
        if (nar.fileSize() <= settings.multipartThreshold()) {
            return new Placement(false, null);
        }
        String stagingKey = Layout.staging(cache, nar.fileHash(), nar.compression());
        return new Placement(false, objects.createMultipartUpload(stagingKey, Layout.NAR_CONTENT_TYPE));
    }

    /** More part URLs of a multipart upload. */
    public PartsResponse parts(Principal principal, String cache, PartsRequest request) {
        CacheRecord record = lookup.require(principal, cache, Permission.WRITE);
        if (request == null) {
            throw DomainException.invalid(null, "the request needs a JSON body");
        }
        NarFile nar = NarFile.parse(request.fileHash(), request.fileSize(), request.compression(), "");
        requireMultipart(nar);
        String uploadId = uploadId(request.uploadId());
        int partCount = partCount(nar.fileSize());
        if (request.count() < 1 || request.count() > PartsRequest.MAX) {
            throw DomainException.invalid("count", "must be between 1 and " + PartsRequest.MAX + ", got " + request.count());
        }
        if (request.firstPart() < 1 || request.firstPart() > partCount) {
            throw DomainException.invalid("firstPart", "must be between 1 and " + partCount + ", got " + request.firstPart());
        }
        int last = (int) Math.min((long) request.firstPart() + request.count() - 1, partCount);
        String key = Layout.staging(record.name(), nar.fileHash(), nar.compression());
        return new PartsResponse(partUrls(key, uploadId, nar.fileSize(), request.firstPart(), last),
                clock.instant().plus(settings.uploadTtl()));
    }

    /** Completes a multipart upload into its staging object; publish verifies it from there. */
    public CompleteUploadResponse complete(Principal principal, String cache, CompleteUploadRequest request) {
        CacheRecord record = lookup.require(principal, cache, Permission.WRITE);
        if (request == null) {
            throw DomainException.invalid(null, "the request needs a JSON body");
        }
        NarFile nar = NarFile.parse(request.fileHash(), request.fileSize(), request.compression(), "");
        requireMultipart(nar);
        String uploadId = uploadId(request.uploadId());
        int partCount = partCount(nar.fileSize());
        if (request.parts().size() != partCount) {
            throw DomainException.invalid("parts", "a file of " + nar.fileSize() + " bytes has " + partCount
                    + " parts, got " + request.parts().size());
        }
        List<CompletedPart> parts = new ArrayList<>();
        for (int i = 0; i < partCount; i++) {
            UploadedPart p = request.parts().get(i);
            if (p == null || p.partNumber() != i + 1) {
                throw DomainException.invalid("parts[" + i + "].partNumber", "parts must be listed in order 1.." + partCount);
            }
            if (p.etag() == null || p.etag().isBlank()) {
                throw DomainException.invalid("parts[" + i + "].etag", "the ETag S3 answered for the part is required");
            }
            parts.add(new CompletedPart(p.partNumber(), p.etag()));
        }
        String key = Layout.staging(record.name(), nar.fileHash(), nar.compression());
        StoredObject object;
        try {
            object = objects.completeMultipartUpload(key, uploadId, parts);
        } catch (UploadRejectedException e) {
            throw DomainException.invalid("parts", "the object store refused to complete the upload: " + e.getMessage());
        }
        if (object.size() != nar.fileSize()) {
            objects.delete(key);
            throw new DomainException(DomainException.Kind.VERIFICATION_FAILED, "fileSize", "the uploaded parts hold "
                    + object.size() + " bytes, not FileSize " + nar.fileSize());
        }
        return new CompleteUploadResponse(key);
    }

    /** A file the cache has (verified and published under {@code nar/}), or one PUT to its staging key. */
    private UploadTarget singleTarget(CacheName cache, NarFile nar, boolean present) {
        if (present) {
            return new UploadTarget(nar.fileHash().toString(), Layout.nar(cache, nar.fileHash(), nar.compression()), true,
                    null, null);
        }
        String stagingKey = Layout.staging(cache, nar.fileHash(), nar.compression());
        PresignedRequest put = objects.presignPut(stagingKey, nar.fileSize(), nar.fileHash(), Layout.NAR_CONTENT_TYPE,
                Layout.NAR_CACHE_CONTROL, settings.uploadTtl());
        return new UploadTarget(nar.fileHash().toString(), stagingKey, false,
                new SignedRequest(put.method(), put.url().toString(), put.headers()), null);
    }

    private List<PartUrl> partUrls(String key, String uploadId, long fileSize, int first, int last) {
        long size = partSize(fileSize);
        List<PartUrl> urls = new ArrayList<>(last - first + 1);
        for (int n = first; n <= last; n++) {
            long length = Math.min(size, fileSize - (n - 1) * size);
            PresignedRequest part = objects.presignUploadPart(key, uploadId, n, length, settings.uploadTtl());
            urls.add(new PartUrl(n, part.url().toString(), part.headers()));
        }
        return urls;
    }

    private void requireMultipart(NarFile nar) {
        if (nar.fileSize() <= settings.multipartThreshold()) {
            throw DomainException.invalid("fileSize", "files up to " + settings.multipartThreshold()
                    + " bytes are uploaded with one PUT, not in parts");
        }
    }

    private static String uploadId(String id) {
        if (id == null || id.isBlank() || id.length() > 1024) {
            throw DomainException.invalid("uploadId", "the uploadId from the upload answer is required");
        }
        return id;
    }
}
