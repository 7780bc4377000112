package dev.nixfront.cli.push;

import dev.nixfront.nix.Compression;
import dev.nixfront.nix.compress.CompressionStreams;
import dev.nixfront.nix.io.HashingOutputStream;
import dev.nixfront.nix.nar.NarSummary;
import dev.nixfront.nix.nar.NarWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Serialises a store path to a NAR, compresses it and writes it to a temporary file in one
 * streaming pass, hashing both the NAR and the file on the way (constant memory whatever the
 * path's size). The NAR must hash to what Nix recorded when it registered the path: a mismatch
 * means the store was modified behind Nix's back, and such bytes must not reach a cache.
 */
final class NarPacker {
    /**
     * From this NAR size on, zstd compresses on every core (its own worker threads): the packers
     * already run side by side for a closure of many paths, but a single large NAR would otherwise
     * keep one core busy for seconds while the others wait.
     */
    static final long PARALLEL_FROM = 64L * 1024 * 1024;

    private final Path directory;
    private final Compression compression;
    private final int level;
    private final long parallelFrom;

    /** @param level the compression level, or -1 for the codec's default */
    NarPacker(Path directory, Compression compression, int level) {
        this(directory, compression, level, PARALLEL_FROM);
    }

    NarPacker(Path directory, Compression compression, int level, long parallelFrom) {
        this.directory = directory;
        this.compression = compression;
        this.level = level;
        this.parallelFrom = parallelFrom;
    }

    PackedNar pack(LocalPath path) throws IOException {
        Path file = directory.resolve(path.path().hash() + ".nar" + compression.fileExtension());
        HashingOutputStream hashed;
        NarSummary nar;
        try {
            hashed = new HashingOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16));
            int threads = path.narSize() >= parallelFrom ? Runtime.getRuntime().availableProcessors() : 1;
            try (OutputStream compressed = CompressionStreams.compress(compression, hashed, level, threads)) {
                nar = NarWriter.dumpAndHash(Path.of(path.path().toString()), compressed);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw new IOException("cannot serialise " + path.path() + ": " + e.getMessage(), e);
        }
        if (!nar.narHash().equals(path.narHash()) || nar.narSize() != path.narSize()) {
            Files.deleteIfExists(file);
            throw new IOException("the NAR of " + path.path() + " is not what Nix registered (" + nar.narHash() + ", "
                    + nar.narSize() + " bytes; Nix says " + path.narHash() + ", " + path.narSize()
                    + " bytes): the store was changed behind Nix's back, see nix-store --verify --check-contents");
        }
        return new PackedNar(path, file, hashed.hash(), hashed.count(), compression);
    }
}
