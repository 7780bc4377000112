package dev.nixfront.cli.push;

import dev.nixfront.api.LogsRequest;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.compress.CompressionStreams;
import dev.nixfront.nix.io.HashingOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;

/**
 * The build logs Nix keeps on this machine, one per derivation it built: {@code <log
 * dir>/drvs/<first two characters of the .drv basename>/<the rest>}, bzip2-compressed with a
 * {@code .bz2} suffix unless {@code compress-build-log} is off (Nix's {@code LocalFSStore}). The log
 * directory is {@code $NIX_LOG_DIR}, by default {@code /nix/var/log/nix}. Read straight from disk
 * rather than through {@code nix log}, which would start a process per log and ask every
 * substituter for a log the machine lacks.
 *
 * <pre>
 * /nix/var/log/nix/drvs/aw/cb5kdhcrh9n4al36vyb2zr9ryw3pbi-logexp.drv.bz2
 *   is the log of /nix/store/awcb5kdhcrh9n4al36vyb2zr9ryw3pbi-logexp.drv
 * </pre>
 */
final class LocalLogs {
    private final Path directory;

    /** @param directory Nix's log directory, {@code /nix/var/log/nix} */
    LocalLogs(Path directory) {
        this.directory = directory;
    }

    /** The file holding {@code deriver}'s log, if Nix kept one. */
    Optional<Path> find(StorePath deriver) {
        String name = deriver.baseName();
        Path dir = directory.resolve("drvs").resolve(name.substring(0, 2));
        for (Path candidate : new Path[] {dir.resolve(name.substring(2) + ".bz2"), dir.resolve(name.substring(2))}) {
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * The log of {@code deriver} (built {@code path}) recompressed with zstd into {@code into}, in one
     * streaming pass that counts the text and hashes the file; empty when it is larger than the
     * {@value LogsRequest#MAX_BYTES} bytes a cache takes in one request.
     */
    Optional<PackedLog> pack(StorePath path, StorePath deriver, Path log, Path into) throws IOException {
        long size = 0;
        HashingOutputStream hashed;
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(log), 1 << 16);
             InputStream text = log.toString().endsWith(".bz2") ? new BZip2CompressorInputStream(raw, true) : raw) {
            hashed = new HashingOutputStream(new BufferedOutputStream(Files.newOutputStream(into), 1 << 16));
            try (OutputStream zstd = CompressionStreams.compress(Compression.ZSTD, hashed, CompressionStreams.DEFAULT_LEVEL)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = text.read(buffer)) >= 0; ) {
                    size += n;
                    if (size > LogsRequest.MAX_BYTES) {
                        break;
                    }
                    zstd.write(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            Files.deleteIfExists(into);
            throw new IOException("cannot read the build log " + log + ": " + e.getMessage(), e);
        }
        if (size > LogsRequest.MAX_BYTES) {
            Files.deleteIfExists(into);
            return Optional.empty();
        }
        return Optional.of(new PackedLog(path, deriver, into, hashed.hash(), hashed.count(), size));
    }
}
