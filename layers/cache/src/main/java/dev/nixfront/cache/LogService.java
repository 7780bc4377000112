package dev.nixfront.cache;

import dev.nixfront.api.BuildLog;
import dev.nixfront.api.LogResult;
import dev.nixfront.api.LogUploadResponse;
import dev.nixfront.api.LogUploadTarget;
import dev.nixfront.api.LogsRequest;
import dev.nixfront.api.LogsResponse;
import dev.nixfront.api.SignedRequest;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.CopyOutcome;
import dev.nixfront.cache.port.ObjectStore;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.cache.port.PresignedRequest;
import dev.nixfront.cache.port.StoredObject;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import dev.nixfront.nix.compress.CompressionStreams;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Build logs: what {@code nix log --store <cache URL> PATH} prints. Nix finds a path's log through
 * its narinfo's {@code Deriver}, at {@code log/<Deriver basename>} below the cache, so a log belongs
 * to a published path and is named by the deriver the index holds for it, never by the client.
 *
 * <p>The way in is the NARs' ({@link UploadService}, {@link PathPublisher}): {@link #uploads} presigns a
 * PUT of the compressed file to a staging key that is never served ({@link Layout#logStaging}); then
 * {@link #publish} reads it pinned to the ETag it looked at, checks its SHA-256 and that it
 * decompresses to exactly the size the client named (at most {@link LogsRequest#MAX_BYTES} a request),
 * and copies exactly those bytes to {@link Layout#log} with the headers it chooses, only if that key
 * is free: a stored log never changes. A log is not verified further: it is whatever the build
 * printed, which Nix shows as it is.
 *
 * <p>Garbage collection removes the logs of derivers no path of the cache names any more.
 */
public final class LogService {
    /** A staged log that changes while it is verified is looked at again this many times. */
    private static final int ATTEMPTS = 3;
    private static final int BUFFER = 64 * 1024;
    /** Logs of one request handled at once. */
    static final int THREADS = 8;
    /**
     * How long after its publication a path takes a log: its push sends the logs right after the
     * narinfos. Later, another writer of the cache could attach text of its choosing to a path it did
     * not push (a quiet build has none, and the first log stored is final).
     */
    static final Duration LOG_WINDOW = Duration.ofHours(1);
    /** The first four bytes of a zstd frame (0xFD2FB528, little-endian); a skippable frame's differ. */
    private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD};
    private static final Object[] KEY_LOCKS = new Object[64];

    static {
        for (int i = 0; i < KEY_LOCKS.length; i++) {
            KEY_LOCKS[i] = new Object();
        }
    }

    private final CacheLookup lookup;
    private final CacheRepository caches;
    private final PathIndex paths;
    private final ObjectStore objects;
    private final Clock clock;
    private final CacheSettings settings;

    LogService(CacheRepository caches, PathIndex paths, ObjectStore objects, Clock clock, CacheSettings settings) {
        this.caches = Objects.requireNonNull(caches);
        this.paths = Objects.requireNonNull(paths);
        this.objects = Objects.requireNonNull(objects);
        this.clock = Objects.requireNonNull(clock);
        this.settings = Objects.requireNonNull(settings);
        this.lookup = new CacheLookup(caches);
    }

    /** One log of a request, validated, with the deriver the index holds for its path. */
    private record Entry(int index, StorePath storePath, Hash fileHash, long fileSize, long size, StorePath deriver) {
        String field(String name) {
            return "logs[" + index + "]." + name;
        }
    }

    /** Where to upload each log, in request order; a deriver whose log the cache has is {@code present}. */
    public LogUploadResponse uploads(Principal principal, String cache, LogsRequest request) {
        CacheRecord record = lookup.require(principal, cache, Permission.WRITE);
        List<LogUploadTarget> targets = inParallel(entries(record, request), e -> {
            String log = Layout.logUrl(e.deriver());
            if (objects.head(Layout.log(record.name(), e.deriver())).isPresent()) {
                return new LogUploadTarget(e.storePath().toString(), log, true, null);
            }
            PresignedRequest put = objects.presignPut(Layout.logStaging(record.name(), e.fileHash()), e.fileSize(), e.fileHash(),
                    Layout.LOG_CONTENT_TYPE, Layout.LOG_CACHE_CONTROL, settings.uploadTtl());
            return new LogUploadTarget(e.storePath().toString(), log, false,
                    new SignedRequest(put.method(), put.url().toString(), put.headers()));
        });
        return new LogUploadResponse(targets, clock.instant().plus(settings.uploadTtl()));
    }

    /**
     * Verifies and stores uploaded logs, in request order. Every check that needs no upload (fields,
     * paths published with a deriver) is made before anything is written; a log that fails its
     * verification (422) leaves the logs before it stored, each whole and correct, and its own
     * upload deleted, so the request can simply be repeated once the log is uploaded again.
     */
    public LogsResponse publish(Principal principal, String cache, LogsRequest request) {
        CacheRecord record = lookup.require(principal, cache, Permission.WRITE);
        List<Entry> entries = entries(record, request);
        List<String> written = Collections.synchronizedList(new ArrayList<>());
        List<LogResult> results = null;
        RuntimeException failure = null;
        try {
            results = inParallel(entries, e -> {
                String key = Layout.log(record.name(), e.deriver());
                boolean copied = store(e, Layout.logStaging(record.name(), e.fileHash()), key);
                if (copied) {
                    written.add(key);
                }
                return new LogResult(e.storePath().toString(), Layout.logUrl(e.deriver()), copied ? LogResult.WRITTEN : LogResult.PRESENT);
            });
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            // Once every entry has run: two paths of a request may share one log file, and so one upload.
            entries.stream().map(e -> Layout.logStaging(record.name(), e.fileHash())).distinct().forEach(objects::delete);
        }
        // Whatever the answer, as for narinfos: what was written into a cache deleted meanwhile goes.
        confirm(record, written);
        if (failure != null) {
            throw failure;
        }
        return new LogsResponse(results);
    }

    /** Whether this call stored the log; false when the key already held one. */
    private boolean store(Entry e, String stagingKey, String key) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            if (objects.head(key).isPresent()) {
                return false;
            }
            Optional<StoredObject> upload = objects.head(stagingKey);
            if (upload.isEmpty()) {
                throw DomainException.conflict(e.field("fileHash"), "no log file was uploaded for " + e.storePath()
                        + " with FileHash " + e.fileHash() + "; ask for its upload (logs/uploads) and PUT it first");
            }
            StoredObject object = upload.get();
            if (!verify(e, object)) {
                continue;
            }
            CopyOutcome copy;
            // S3 refuses a copy onto an existing key (If-None-Match), but s3proxy does not, and a copy
            // checks the key free by a HEAD first: two logs of one deriver published at once would both
            // be written there, the second replacing the first. Within a process (the local stack, a
            // Lambda container) the check and the copy of one key are taken one at a time.
            synchronized (KEY_LOCKS[Math.floorMod(key.hashCode(), KEY_LOCKS.length)]) {
                copy = objects.copyIfMatch(stagingKey, object.etag(), key, Layout.LOG_CONTENT_TYPE,
                        Layout.LOG_CONTENT_ENCODING, Layout.LOG_CACHE_CONTROL);
            }
            if (copy != CopyOutcome.SOURCE_CHANGED) {
                return copy == CopyOutcome.COPIED;
            }
        }
        throw DomainException.conflict(e.field("fileHash"), "the uploaded log for " + e.storePath()
                + " kept changing while it was verified; upload it again and publish again");
    }

    /**
     * Reads the staged file as {@code object} names it (If-Match) and checks it against the entry:
     * its size, its SHA-256, and a zstd stream of exactly {@code size} bytes. False when the upload
     * changed or vanished meanwhile (the caller looks again); a 422 otherwise, after deleting it.
     */
    private boolean verify(Entry e, StoredObject object) {
        String field = null;
        String problem = null;
        if (object.size() != e.fileSize()) {
            field = "fileSize";
            problem = "the uploaded log file has " + object.size() + " bytes, not fileSize " + e.fileSize();
        } else {
            MessageDigest sha256 = Hash.newDigest();
            long decompressed = 0;
            try (InputStream raw = objects.get(object.key(), object.etag())) {
                PushbackInputStream file = new PushbackInputStream(new DigestInputStream(new NarVerifier.StoreStream(raw), sha256),
                        ZSTD_MAGIC.length);
                try {
                    byte[] magic = file.readNBytes(ZSTD_MAGIC.length);
                    file.unread(magic);
                    if (!Arrays.equals(magic, ZSTD_MAGIC)) {
                        // A skippable frame first would make a "log" of any bytes that decodes to nothing.
                        throw new IOException("it does not start with a zstd frame");
                    }
                    InputStream text = CompressionStreams.decompress(Compression.ZSTD, file);
                    byte[] buffer = new byte[BUFFER];
                    for (int n; decompressed <= e.size() && (n = text.read(buffer)) >= 0; ) {
                        decompressed += n;
                    }
                } catch (IOException bad) {
                    if (NarVerifier.isStoreFailure(bad)) {
                        throw bad;
                    }
                    field = "fileHash";
                    problem = "the uploaded log file is not zstd: " + bad.getMessage();
                }
                // The hash covers the whole file, however far the decoder got.
                file.transferTo(OutputStream.nullOutputStream());
            } catch (IOException io) {
                if (NarVerifier.vanishedOrChanged(io)) {
                    return false;
                }
                throw new UncheckedIOException("reading " + object.key(), io);
            }
            Hash actual = Hash.of(sha256.digest());
            if (!actual.equals(e.fileHash())) {
                field = "fileHash";
                problem = "the uploaded log file has SHA-256 " + actual + ", not fileHash " + e.fileHash();
            } else if (problem == null && decompressed != e.size()) {
                field = "size";
                problem = "the uploaded log decompresses to " + (decompressed > e.size() ? "more than " + e.size() : decompressed)
                        + " bytes, not size " + e.size();
            }
        }
        if (problem == null) {
            return true;
        }
        objects.delete(object.key());
        throw verificationFailed(e, field, problem);
    }

    /**
     * {@code work} on every entry, {@link #THREADS} at a time: each log costs a few S3 requests one
     * after the other (HEADs, the read, the copy), which for a hundred logs would add up to seconds.
     * Answers in request order; a failure is the first entry's, in request order, once all have run.
     */
    private static <T> List<T> inParallel(List<Entry> entries, Function<Entry, T> work) {
        if (entries.size() == 1) {
            return List.of(work.apply(entries.getFirst()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(THREADS, entries.size()),
                Thread.ofPlatform().daemon().name("build-log-", 0).factory());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Entry e : entries) {
                futures.add(pool.submit(() -> work.apply(e)));
            }
            List<T> answers = new ArrayList<>();
            RuntimeException first = null;
            for (Future<T> f : futures) {
                try {
                    answers.add(f.get());
                } catch (ExecutionException failed) {
                    if (first == null) {
                        first = failed.getCause() instanceof RuntimeException r ? r : new IllegalStateException(failed.getCause());
                    }
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while storing build logs", interrupted);
                }
            }
            if (first != null) {
                throw first;
            }
            return answers;
        } finally {
            pool.shutdown();
        }
    }

    /**
     * The largest zstd file {@code size} bytes of text can make (zstd's compress bound, frame header
     * and checksum, with room to spare): a file larger than that holds something other than the log.
     */
    static long maxFileSize(long size) {
        return size + size / 128 + 1024;
    }

    private static DomainException verificationFailed(Entry e, String field, String reason) {
        return new DomainException(DomainException.Kind.VERIFICATION_FAILED, e.field(field), reason);
    }

    /**
     * As {@link PathPublisher#confirm}: S3 cannot make a write conditional on the cache item, so after
     * writing, the cache is read again; if a deletion marked it meanwhile, what this call wrote is
     * removed here (the deletion's sweep may have passed it) and the answer is a 404.
     */
    private void confirm(CacheRecord cache, List<String> written) {
        if (written.isEmpty()) {
            return;
        }
        CacheRecord current = caches.get(cache.name()).orElse(null);
        if (current != null && current.live() && current.incarnation().equals(cache.incarnation())) {
            return;
        }
        written.forEach(objects::delete);
        throw new CacheGoneException(cache.name(), written.getFirst());
    }

    /**
     * The request validated: every field (400), the count and the bytes (413), and each path
     * published in this cache with a deriver (409): a log Nix can never find through a narinfo is
     * not stored.
     */
    private List<Entry> entries(CacheRecord cache, LogsRequest request) {
        if (request == null || request.logs().isEmpty()) {
            throw DomainException.invalid("logs", "name at least one log");
        }
        if (request.logs().size() > LogsRequest.MAX) {
            throw DomainException.tooMany("logs", "at most " + LogsRequest.MAX + " logs per request, got " + request.logs().size());
        }
        List<Entry> parsed = new ArrayList<>();
        Set<StorePath> seen = new HashSet<>();
        long bytes = 0;
        long fileBytes = 0;
        for (int i = 0; i < request.logs().size(); i++) {
            BuildLog log = request.logs().get(i);
            String prefix = "logs[" + i + "].";
            if (log == null) {
                throw DomainException.invalid("logs[" + i + "]", "must be an object");
            }
            StorePath path = RootService.storePath(log.storePath(), settings.storeDir(), prefix + "storePath");
            if (!seen.add(path)) {
                throw DomainException.invalid(prefix + "storePath", path + " appears twice in this request");
            }
            Hash fileHash;
            try {
                fileHash = Hash.parse(log.fileHash());
            } catch (NixFormatException e) {
                throw DomainException.invalid(prefix + "fileHash", e.reason());
            }
            if (log.fileSize() <= 0 || log.fileSize() > LogsRequest.MAX_BYTES) {
                throw DomainException.invalid(prefix + "fileSize", "must be between 1 and " + LogsRequest.MAX_BYTES + " bytes, got "
                        + log.fileSize());
            }
            if (!"zstd".equals(log.compression())) {
                throw DomainException.invalid(prefix + "compression", "logs are taken compressed with zstd, got "
                        + (log.compression() == null ? "nothing" : "'" + log.compression() + "'"));
            }
            if (log.size() < 0 || log.size() > LogsRequest.MAX_BYTES) {
                throw DomainException.invalid(prefix + "size", "must be between 0 and " + LogsRequest.MAX_BYTES + " bytes, got "
                        + log.size());
            }
            if (log.fileSize() > maxFileSize(log.size())) {
                throw DomainException.invalid(prefix + "fileSize", "zstd makes at most " + maxFileSize(log.size()) + " bytes of "
                        + log.size() + " bytes of text, got " + log.fileSize());
            }
            bytes += log.size();
            fileBytes += log.fileSize();
            parsed.add(new Entry(i, path, fileHash, log.fileSize(), log.size(), null));
        }
        if (bytes > LogsRequest.MAX_BYTES || fileBytes > LogsRequest.MAX_BYTES) {
            throw DomainException.tooMany("logs", "the logs add up to " + Math.max(bytes, fileBytes) + " bytes, over the "
                    + LogsRequest.MAX_BYTES + " a request takes; send fewer at a time");
        }
        Map<StorePathHash, PathRecord> records = paths.get(cache, parsed.stream().map(e -> e.storePath().hash()).toList());
        List<Entry> entries = new ArrayList<>();
        for (Entry e : parsed) {
            PathRecord r = records.get(e.storePath().hash());
            if (r == null || !r.readable() || !r.info().storePath().equals(e.storePath())) {
                String why = r != null && r.state() == PathState.DELETING && r.info().storePath().equals(e.storePath())
                        ? " (it is being removed by a collection)" : "";
                throw DomainException.conflict(e.field("storePath"), e.storePath() + " is not published in " + cache.name() + why
                        + "; a log is stored for a published path only");
            }
            Instant publishedSince = clock.instant().minus(LOG_WINDOW);
            if (r.updatedAt().isBefore(publishedSince)) {
                throw DomainException.conflict(e.field("storePath"), e.storePath() + " was published at " + r.updatedAt()
                        + ", more than " + LOG_WINDOW.toMinutes() + " minutes ago: a log is taken only with its path's push");
            }
            if (r.info().deriver() == null) {
                throw DomainException.conflict(e.field("storePath"), e.storePath() + " is published without a Deriver, so Nix"
                        + " never looks for its log");
            }
            entries.add(new Entry(e.index(), e.storePath(), e.fileHash(), e.fileSize(), e.size(), r.info().deriver()));
        }
        return entries;
    }
}
