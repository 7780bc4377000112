package dev.nixfront.bench.capacity;

import dev.nixfront.cache.fake.MemoryObjectStore;
import dev.nixfront.cache.port.CompletedPart;
import dev.nixfront.cache.port.CopyOutcome;
import dev.nixfront.cache.port.NoSuchObjectException;
import dev.nixfront.cache.port.ObjectChangedException;
import dev.nixfront.cache.port.ObjectStore;
import dev.nixfront.cache.port.PresignedRequest;
import dev.nixfront.cache.port.StoredObject;
import dev.nixfront.nix.Hash;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The bucket, metered as {@code S3ObjectStore} uses S3: one request per port call (HEAD, GET, PUT,
 * DELETE, the multipart calls), except {@link #copyIfMatch}, which is {@code S3Copy}'s HEAD of the
 * source (If-Match), HEAD of the target and CopyObject (a write of the target and a read of the
 * source). Presigning is local signing, no request. {@link #deletePrefix} (a cache's deletion) is not
 * part of the simulated workload and refuses, so nothing unmetered can slip in.
 */
final class MeteredObjectStore implements ObjectStore {
    /** CopyObject's limit; {@code S3Copy} copies larger objects part by part, which this does not meter. */
    private static final long MAX_SINGLE_COPY = 5L * 1024 * 1024 * 1024;

    private final MemoryObjectStore store;
    private final Meter meter;
    private final long latency;

    MeteredObjectStore(MemoryObjectStore store, Meter meter, long latencyNanos) {
        this.store = store;
        this.meter = meter;
        this.latency = latencyNanos;
    }

    private Request read(String operation, String key) {
        return new Request(Request.Service.S3, operation, latency, List.of(Demand.s3Read(key)));
    }

    private Request write(String operation, String key) {
        return new Request(Request.Service.S3, operation, latency, List.of(Demand.s3Write(key)));
    }

    @Override
    public Optional<StoredObject> head(String key) {
        meter.turn();
        try {
            return store.head(key);
        } finally {
            meter.finish(read("HEAD", key));
        }
    }

    @Override
    public InputStream get(String key) throws NoSuchObjectException, IOException {
        meter.turn();
        try {
            return store.get(key);
        } finally {
            meter.finish(read("GET", key));
        }
    }

    @Override
    public InputStream get(String key, String etag) throws NoSuchObjectException, ObjectChangedException, IOException {
        meter.turn();
        try {
            return store.get(key, etag);
        } finally {
            meter.finish(read("GET If-Match", key));
        }
    }

    @Override
    public void put(String key, byte[] body, String contentType, String cacheControl) {
        meter.turn();
        try {
            store.put(key, body, contentType, cacheControl);
        } finally {
            meter.finish(write("PUT", key));
        }
    }

    @Override
    public boolean putIfAbsent(String key, byte[] body, String contentType, String cacheControl) {
        meter.turn();
        try {
            return store.putIfAbsent(key, body, contentType, cacheControl);
        } finally {
            meter.finish(write("PUT If-None-Match", key));
        }
    }

    @Override
    public CopyOutcome copyIfMatch(String sourceKey, String sourceEtag, String targetKey, String contentType, String contentEncoding,
                                   String cacheControl) {
        Optional<StoredObject> source = head(sourceKey, "HEAD If-Match (copy source)");
        if (source.isEmpty() || !source.get().etag().equals(sourceEtag)) {
            return CopyOutcome.SOURCE_CHANGED;
        }
        if (source.get().size() > MAX_SINGLE_COPY) {
            throw new UnsupportedOperationException("a multipart copy is not metered by the capacity simulation");
        }
        if (head(targetKey, "HEAD (copy target)").isPresent()) {
            return CopyOutcome.TARGET_EXISTS;
        }
        meter.turn();
        try {
            return store.copyIfMatch(sourceKey, sourceEtag, targetKey, contentType, contentEncoding, cacheControl);
        } finally {
            meter.finish(new Request(Request.Service.S3, "COPY", latency,
                    List.of(Demand.s3Write(targetKey), Demand.s3Read(sourceKey))));
        }
    }

    private Optional<StoredObject> head(String key, String operation) {
        meter.turn();
        try {
            return store.head(key);
        } finally {
            meter.finish(read(operation, key));
        }
    }

    @Override
    public void delete(String key) {
        meter.turn();
        try {
            store.delete(key);
        } finally {
            meter.finish(write("DELETE", key));
        }
    }

    @Override
    public List<String> listKeys(String prefix) {
        throw new UnsupportedOperationException("garbage collection is not part of the capacity simulation");
    }

    @Override
    public void deletePrefix(String prefix) {
        throw new UnsupportedOperationException("deleting a cache is not part of the capacity simulation");
    }

    @Override
    public PresignedRequest presignPut(String key, long contentLength, Hash sha256, String contentType, String cacheControl,
                                       Duration ttl) {
        return store.presignPut(key, contentLength, sha256, contentType, cacheControl, ttl);
    }

    @Override
    public String createMultipartUpload(String key, String contentType) {
        meter.turn();
        try {
            return store.createMultipartUpload(key, contentType);
        } finally {
            meter.finish(write("CreateMultipartUpload", key));
        }
    }

    @Override
    public PresignedRequest presignUploadPart(String key, String uploadId, int partNumber, long contentLength, Duration ttl) {
        return store.presignUploadPart(key, uploadId, partNumber, contentLength, ttl);
    }

    /** CompleteMultipartUpload, then the HEAD with which {@code S3ObjectStore} learns what it made. */
    @Override
    public StoredObject completeMultipartUpload(String key, String uploadId, List<CompletedPart> parts) {
        meter.turn();
        StoredObject made;
        try {
            made = store.completeMultipartUpload(key, uploadId, parts);
        } finally {
            meter.finish(write("CompleteMultipartUpload", key));
        }
        head(key, "HEAD (completed upload)");
        return made;
    }

    @Override
    public void abortMultipartUpload(String key, String uploadId) {
        meter.turn();
        try {
            store.abortMultipartUpload(key, uploadId);
        } finally {
            meter.finish(write("AbortMultipartUpload", key));
        }
    }
}
