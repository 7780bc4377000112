package dev.nixfront.cache;

import dev.nixfront.api.CacheInfo;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PathInfo;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadResponse;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.cache.fake.FakePorts;
import dev.nixfront.cache.fake.MemoryCacheRepository;
import dev.nixfront.cache.fake.MemoryEdgeStore;
import dev.nixfront.cache.fake.MemoryObjectStore;
import dev.nixfront.cache.fake.MemoryPathIndex;
import dev.nixfront.cache.fake.MemoryTokenRepository;
import dev.nixfront.cache.fake.MutableClock;
import dev.nixfront.cache.fake.RecordingMetrics;
import dev.nixfront.cache.fake.RecordingQueue;
import dev.nixfront.cache.port.PresignedRequest;
import dev.nixfront.cache.port.Scope;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import dev.nixfront.nix.compress.CompressionStreams;
import dev.nixfront.nix.nar.NarSummary;
import dev.nixfront.nix.nar.NarWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Services wired to in-memory fakes of the ports, and real NARs to push through them. */
final class Fixture {
    static final Principal ADMIN = new Principal(TokenService.BOOTSTRAP_ID, Scope.admin());

    final FakePorts fakes = new FakePorts();
    final MutableClock clock = fakes.clock;
    final MemoryObjectStore objects = fakes.objects;
    final MemoryCacheRepository caches = fakes.caches;
    final MemoryPathIndex paths = fakes.paths;
    final MemoryTokenRepository tokens = fakes.tokens;
    final RecordingQueue queue = fakes.queue;
    final RecordingMetrics metrics = fakes.metrics;
    final MemoryEdgeStore edge = fakes.edge;
    final CacheSettings settings;
    final Services services;

    Fixture() {
        this(CacheSettings.defaults("https://cache.example.org/"));
    }

    /** What a collection's wait does: the clock jumps, unless a test makes something happen meanwhile. */
    volatile GarbageCollector.Pause pause = duration -> clock.advance(duration);

    Fixture(CacheSettings settings) {
        this(settings, false);
    }

    /** @param queueCollections collections are queued as jobs ({@code fakes.collectionQueue}), as in AWS, rather than run inline */
    Fixture(CacheSettings settings, boolean queueCollections) {
        fakes.queueCollections = queueCollections;
        this.settings = settings;
        this.services = Services.create(fakes.ports(), settings, clock, new SecureRandom(), duration -> pause.sleep(duration));
    }

    CacheInfo createCache(String name) {
        return services.caches().create(ADMIN, new CreateCacheRequest(name, null, null, null));
    }

    /** A store path with its real NAR, compressed, and the PathInfo a client would publish. */
    record Nar(StorePath path, byte[] nar, byte[] file, Compression compression, PathInfo info) {
        Hash fileHash() {
            return Hash.sha256(file);
        }

        Nar withInfo(PathInfo changed) {
            return new Nar(path, nar, file, compression, changed);
        }

        Nar withFile(byte[] otherFile) {
            return new Nar(path, nar, otherFile, compression, new PathInfo(info.storePath(), info.narHash(), info.narSize(),
                    Hash.sha256(otherFile).toString(), otherFile.length, info.compression(), info.references(), info.deriver(), info.ca()));
        }
    }

    static StorePath storePath(String name) {
        byte[] digest = Hash.sha256(name.getBytes(StandardCharsets.UTF_8)).bytes();
        return new StorePath("/nix/store", StorePathHash.of(Arrays.copyOf(digest, 20)), name);
    }

    /** A path whose NAR is a directory with one file per entry of {@code files} (name -> content). */
    static Nar nar(String name, Map<String, String> files, Compression compression, StorePath... references) {
        try {
            Path dir = Files.createTempDirectory("nixfront-nar");
            try {
                Path root = dir.resolve("out");
                Files.createDirectory(root);
                for (Map.Entry<String, String> f : files.entrySet()) {
                    Files.writeString(root.resolve(f.getKey()), f.getValue());
                }
                ByteArrayOutputStream nar = new ByteArrayOutputStream();
                NarSummary summary = NarWriter.dumpAndHash(root, nar);
                return fromNar(name, nar.toByteArray(), summary, compression, references);
            } finally {
                try (var walk = Files.walk(dir)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Nar nar(String name, StorePath... references) {
        return nar(name, Map.of("README", "contents of " + name + "\n"), Compression.ZSTD, references);
    }

    static Nar fromNar(String name, byte[] nar, NarSummary summary, Compression compression, StorePath... references) {
        StorePath path = storePath(name);
        byte[] file = compress(nar, compression);
        PathInfo info = new PathInfo(path.toString(), summary.narHash().toString(), summary.narSize(),
                Hash.sha256(file).toString(), file.length, compression.narInfoName(),
                Arrays.stream(references).map(StorePath::baseName).toList(), null, null);
        return new Nar(path, nar, file, compression, info);
    }

    static byte[] compress(byte[] data, Compression compression) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (OutputStream c = CompressionStreams.compress(compression, out, CompressionStreams.DEFAULT_LEVEL)) {
                c.write(data);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Uploads the file as the CLI would: ask for a target, PUT (or upload parts and complete). */
    void upload(String cache, Nar nar) {
        UploadResponse response = services.uploads().request(ADMIN, cache, new UploadRequest(List.of(
                new NarUpload(nar.fileHash().toString(), nar.file().length, nar.compression().narInfoName()))));
        UploadTarget target = response.uploads().get(0);
        if (target.present()) {
            return;
        }
        if (target.put() != null) {
            objects.clientPut(new PresignedRequest(target.put().method(), URI.create(target.put().url()),
                    target.put().headers(), response.expiresAt()), nar.file());
            return;
        }
        UploadTestSupport.uploadMultipart(this, cache, nar, target);
    }

    void uploadAll(String cache, Nar... nars) {
        for (Nar n : nars) {
            upload(cache, n);
        }
    }

    /** Uploads and publishes {@code nars} in one request, as an admin. */
    void publishAll(String cache, Nar... nars) {
        uploadAll(cache, nars);
        services.publish().publish(ADMIN, cache, new dev.nixfront.api.PublishRequest(java.util.Arrays.stream(nars).map(Nar::info).toList()));
    }

    /** The cache's record as it is now. */
    dev.nixfront.cache.port.CacheRecord cacheRecord(String cache) {
        return caches.get(dev.nixfront.cache.port.CacheName.of(cache)).orElseThrow();
    }

    /** Whether the cache serves the path's narinfo. */
    boolean readable(String cache, Nar nar) {
        return objects.head(Layout.narInfo(dev.nixfront.cache.port.CacheName.of(cache), nar.path().hash())).isPresent();
    }

    /**
     * The part of a staging key after {@code _staging/<cache>/}, and of a NAR key after
     * {@code <cache>/nar/}: the shard (FileHash's last nix32 digit), a slash, FileHash.
     */
    static String staged(Hash fileHash) {
        String nix32 = fileHash.toNix32();
        return nix32.charAt(nix32.length() - 1) + "/" + nix32;
    }

    /** The DomainException {@code call} throws; fails the test if it is accepted. */
    static DomainException refusal(Runnable call) {
        try {
            call.run();
        } catch (DomainException e) {
            return e;
        }
        throw new AssertionError("accepted");
    }
}
