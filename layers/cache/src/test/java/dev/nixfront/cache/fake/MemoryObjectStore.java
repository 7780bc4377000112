package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.CompletedPart;
import dev.nixfront.cache.port.CopyOutcome;
import dev.nixfront.cache.port.NoSuchObjectException;
import dev.nixfront.cache.port.ObjectChangedException;
import dev.nixfront.cache.port.ObjectStore;
import dev.nixfront.cache.port.PresignedRequest;
import dev.nixfront.cache.port.StoredObject;
import dev.nixfront.cache.port.UploadRejectedException;
import dev.nixfront.nix.Hash;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A fake of the project's ObjectStore port (not of S3): a map of keys to bytes. Presigned
 * requests are recorded, not served; tests "upload" with {@link #clientPut} and {@link #clientPutPart},
 * which apply the same checks the presigned headers make S3 apply and, like S3, store whatever
 * unsigned headers the client added. {@link #copyIfMatch} is S3's conditional CopyObject with
 * {@code MetadataDirective: REPLACE}: it checks the source's ETag and that the target key is free,
 * and the copy keeps none of the source's headers. ETags name content as S3's do
 * without KMS: the MD5 of a single write, the MD5 of the parts' MD5s plus {@code -<parts>} for a
 * completed multipart upload; so writing the same bytes again gives the same ETag.
 */
public final class MemoryObjectStore implements ObjectStore {
    /**
     * One stored object. {@code unsigned} holds the headers a client added to its upload beyond
     * the signed ones (Content-Encoding, Content-Disposition, {@code x-amz-meta-*}), which S3 keeps
     * as it keeps the signed ones; a server-side copy replaces them all, with at most the
     * Content-Encoding it was given.
     */
    public record Obj(byte[] body, String etag, String contentType, String cacheControl, Map<String, String> unsigned) {
        public Obj {
            unsigned = Map.copyOf(unsigned);
        }
    }

    private final Map<String, Obj> objects = new TreeMap<>();
    private final Map<String, Map<Integer, byte[]>> uploads = new HashMap<>();
    private final List<String> writes = new ArrayList<>();
    private final AtomicLong versions = new AtomicLong();
    private final Clock clock;
    /** Runs after get() hands out a stream: lets a test change the object while it is verified. */
    private volatile Consumer<String> afterGet = key -> { };
    private volatile Consumer<String> afterWrite = entry -> { };
    /** Runs before head() looks (keys of every HEAD): lets a test hold lookups or count them. */
    private volatile Consumer<String> beforeHead = key -> { };
    /** Runs after head() answered: lets a test change the object between a lookup and the read. */
    private volatile Consumer<String> afterHead = key -> { };
    /** A session token this long goes into presigned URLs, as Lambda's temporary credentials put one there. */
    private volatile int sessionTokenLength;

    public MemoryObjectStore(Clock clock) {
        this.clock = clock;
    }

    public synchronized Optional<Obj> object(String key) {
        return Optional.ofNullable(objects.get(key));
    }

    public synchronized List<String> keys() {
        return List.copyOf(objects.keySet());
    }

    /** Every write, in order, as {@code put <key>} / {@code copy <key>} / {@code delete <key>}. */
    public synchronized List<String> writes() {
        return List.copyOf(writes);
    }

    /** Runs after every write, with its entry in {@link #writes()} (e.g. {@code delete _staging/team/...}). */
    public void afterWrite(Consumer<String> hook) {
        this.afterWrite = hook;
    }

    private void wrote(String entry) {
        writes.add(entry);
        afterWrite.accept(entry);
    }

    public void afterGet(Consumer<String> hook) {
        this.afterGet = hook;
    }

    public void beforeHead(Consumer<String> hook) {
        this.beforeHead = hook;
    }

    public void afterHead(Consumer<String> hook) {
        this.afterHead = hook;
    }

    public void sessionTokenLength(int length) {
        this.sessionTokenLength = length;
    }

    private String token(char separator) {
        int length = sessionTokenLength;
        return length == 0 ? "" : separator + "X-Amz-Security-Token=" + "T".repeat(length);
    }

    /** What a client's PUT to a presigned single-PUT URL would store; S3 checks length and checksum. */
    public synchronized void clientPut(PresignedRequest put, byte[] body) {
        clientPut(put, body, Map.of());
    }

    /** The same PUT with headers the URL does not sign, which S3 stores with the object all the same. */
    public synchronized void clientPut(PresignedRequest put, byte[] body, Map<String, String> unsigned) {
        String key = put.url().getPath().substring(1);
        if (clock.instant().isAfter(put.expiresAt())) {
            throw new IllegalStateException("expired");
        }
        if (Long.parseLong(put.headers().get("Content-Length")) != body.length
                || !put.headers().get("x-amz-checksum-sha256").equals(Hash.sha256(body).toBase64())) {
            throw new IllegalStateException("S3 would refuse these bytes");
        }
        store(key, body, "\"" + HexFormat.of().formatHex(md5(body)) + "\"", put.headers().get("Content-Type"),
                put.headers().get("Cache-Control"), unsigned);
    }

    public synchronized void clientPutPart(String key, String uploadId, int partNumber, byte[] body) {
        Map<Integer, byte[]> parts = uploads.get(key + "#" + uploadId);
        if (parts == null) {
            throw new IllegalStateException("no upload " + uploadId);
        }
        parts.put(partNumber, body.clone());
    }

    /** Puts bytes directly, as a test's backdoor (a single PUT: the ETag is their MD5). */
    public synchronized void store(String key, byte[] body, String contentType, String cacheControl) {
        store(key, body, "\"" + HexFormat.of().formatHex(md5(body)) + "\"", contentType, cacheControl, Map.of());
    }

    /** Puts bytes as a completed multipart upload of {@code parts} would: S3's multipart ETag. */
    public synchronized void storeMultipart(String key, List<byte[]> parts, String contentType) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteArrayOutputStream md5s = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            all.writeBytes(part);
            md5s.writeBytes(md5(part));
        }
        store(key, all.toByteArray(), "\"" + HexFormat.of().formatHex(md5(md5s.toByteArray())) + "-" + parts.size() + "\"",
                contentType, null, Map.of());
    }

    private void store(String key, byte[] body, String etag, String contentType, String cacheControl,
                       Map<String, String> unsigned) {
        objects.put(key, new Obj(body.clone(), etag, contentType, cacheControl, unsigned));
        wrote("put " + key);
    }

    private static byte[] md5(byte[] bytes) {
        try {
            return MessageDigest.getInstance("MD5").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Optional<StoredObject> head(String key) {
        beforeHead.accept(key);
        Optional<StoredObject> found;
        synchronized (this) {
            Obj o = objects.get(key);
            found = o == null ? Optional.empty() : Optional.of(new StoredObject(key, o.body().length, o.etag(), o.contentType()));
        }
        afterHead.accept(key);
        return found;
    }

    @Override
    public InputStream get(String key) throws NoSuchObjectException {
        Obj o;
        synchronized (this) {
            o = objects.get(key);
        }
        if (o == null) {
            throw new NoSuchObjectException(key);
        }
        afterGet.accept(key);
        return new ByteArrayInputStream(o.body());
    }

    @Override
    public InputStream get(String key, String etag) throws NoSuchObjectException, ObjectChangedException {
        Obj o;
        synchronized (this) {
            o = objects.get(key);
        }
        if (o == null) {
            throw new NoSuchObjectException(key);
        }
        if (!o.etag().equals(etag)) {
            throw new ObjectChangedException(key, etag);
        }
        afterGet.accept(key);
        return new ByteArrayInputStream(o.body());
    }

    @Override
    public synchronized void put(String key, byte[] body, String contentType, String cacheControl) {
        store(key, body, contentType, cacheControl);
    }

    @Override
    public synchronized boolean putIfAbsent(String key, byte[] body, String contentType, String cacheControl) {
        if (objects.containsKey(key)) {
            return false;
        }
        store(key, body, contentType, cacheControl);
        return true;
    }

    @Override
    public synchronized CopyOutcome copyIfMatch(String sourceKey, String sourceEtag, String targetKey, String contentType,
                                                String contentEncoding, String cacheControl) {
        Obj source = objects.get(sourceKey);
        if (source == null || !source.etag().equals(sourceEtag)) {
            return CopyOutcome.SOURCE_CHANGED;
        }
        if (objects.containsKey(targetKey)) {
            return CopyOutcome.TARGET_EXISTS;
        }
        objects.put(targetKey, new Obj(source.body(), source.etag(), contentType, cacheControl,
                contentEncoding == null ? Map.of() : Map.of("Content-Encoding", contentEncoding)));
        wrote("copy " + targetKey);
        return CopyOutcome.COPIED;
    }

    @Override
    public synchronized void delete(String key) {
        objects.remove(key);
        wrote("delete " + key);
    }

    @Override
    public synchronized List<String> listKeys(String prefix) {
        return objects.keySet().stream().filter(k -> k.startsWith(prefix)).sorted().toList();
    }

    @Override
    public synchronized void deletePrefix(String prefix) {
        objects.keySet().removeIf(k -> k.startsWith(prefix));
        wrote("deletePrefix " + prefix);
    }

    @Override
    public PresignedRequest presignPut(String key, long contentLength, Hash sha256, String contentType, String cacheControl, Duration ttl) {
        return new PresignedRequest("PUT", URI.create("http://s3.test/" + key + token('?')), Map.of(
                "Content-Length", Long.toString(contentLength),
                "x-amz-checksum-sha256", sha256.toBase64(),
                "Content-Type", contentType,
                "Cache-Control", cacheControl), clock.instant().plus(ttl));
    }

    @Override
    public synchronized String createMultipartUpload(String key, String contentType) {
        String id = "up" + versions.incrementAndGet();
        uploads.put(key + "#" + id, new TreeMap<>());
        return id;
    }

    @Override
    public PresignedRequest presignUploadPart(String key, String uploadId, int partNumber, long contentLength, Duration ttl) {
        return new PresignedRequest("PUT", URI.create("http://s3.test/" + key + "?uploadId=" + uploadId + "&partNumber=" + partNumber
                        + token('&')),
                Map.of("Content-Length", Long.toString(contentLength)), clock.instant().plus(ttl));
    }

    @Override
    public synchronized StoredObject completeMultipartUpload(String key, String uploadId, List<CompletedPart> parts) {
        Map<Integer, byte[]> uploaded = uploads.remove(key + "#" + uploadId);
        if (uploaded == null) {
            throw new UploadRejectedException("NoSuchUpload", null);
        }
        List<byte[]> bodies = new ArrayList<>();
        for (CompletedPart p : parts) {
            byte[] part = uploaded.get(p.partNumber());
            if (part == null) {
                throw new UploadRejectedException("InvalidPart " + p.partNumber(), null);
            }
            bodies.add(part);
        }
        storeMultipart(key, bodies, "application/x-nix-nar");
        Obj o = objects.get(key);
        return new StoredObject(key, o.body().length, o.etag(), o.contentType());
    }

    @Override
    public synchronized void abortMultipartUpload(String key, String uploadId) {
        uploads.remove(key + "#" + uploadId);
    }
}
