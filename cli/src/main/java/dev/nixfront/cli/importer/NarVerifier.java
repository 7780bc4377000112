package dev.nixfront.cli.importer;

import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.compress.CompressionStreams;
import dev.nixfront.nix.io.HashingInputStream;
import dev.nixfront.nix.io.HashingOutputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Brings one source NAR file to disk and checks it against the source narinfo, in constant memory
 * whatever its size: first the file as fetched ({@code FileHash}, {@code FileSize} when the
 * narinfo has them), then its decompressed bytes ({@code NarHash}, {@code NarSize}, which the
 * signature covers). A file in a compression the upload does not accept (gzip) is recompressed to
 * zstd in the same pass that checks the NAR. Nothing is trusted before the checks pass: the file
 * is deleted on any failure.
 */
final class NarVerifier {
    private static final int BUFFER = 1 << 16;

    private final Path directory;

    NarVerifier(Path directory) {
        this.directory = directory;
    }

    /** Refuses compressions this importer cannot decompress, before anything is fetched. */
    static void checkReadable(Compression compression) throws Refused {
        if (!compression.supportedForUpload() && compression != Compression.GZIP) {
            throw new Refused("compression " + compression.narInfoName()
                    + " cannot be verified here (nixfront import reads none, xz, zstd and gzip)");
        }
    }

    /** Fetches with {@code source} (closed here), verifies and stages; the caller deletes the file. */
    StagedNar stage(NarInfo info, InputStream source) throws IOException, Refused {
        checkReadable(info.compression());
        Path fetched = Files.createTempFile(directory, "fetched-", ".nar" + info.compression().fileExtension());
        boolean keep = false;
        try {
            Hash fileHash;
            long fileSize;
            try (HashingInputStream in = new HashingInputStream(source)) {
                try (OutputStream out = Files.newOutputStream(fetched)) {
                    in.transferTo(out);
                }
                fileHash = in.hash();
                fileSize = in.count();
            }
            if (info.fileSize() != 0 && info.fileSize() != fileSize) {
                throw new Refused("FileSize mismatch: the narinfo says " + info.fileSize() + ", the file has " + fileSize + " bytes");
            }
            if (info.fileHash() != null && !info.fileHash().equals(fileHash)) {
                throw new Refused("FileHash mismatch: the narinfo says " + info.fileHash() + ", the file hashes to " + fileHash);
            }
            StagedNar staged;
            if (info.compression().supportedForUpload()) {
                checkNar(info, fetched, OutputStream.nullOutputStream());
                staged = new StagedNar(fetched, fileHash, fileSize, info.compression());
                keep = true;
            } else {
                staged = recompress(info, fetched);
                Files.delete(fetched);
            }
            return staged;
        } finally {
            if (!keep) {
                Files.deleteIfExists(fetched);
            }
        }
    }

    private StagedNar recompress(NarInfo info, Path fetched) throws IOException, Refused {
        Path zstd = Files.createTempFile(directory, "recompressed-", ".nar.zst");
        boolean done = false;
        try {
            HashingOutputStream file = new HashingOutputStream(new BufferedOutputStream(Files.newOutputStream(zstd), BUFFER));
            try (OutputStream compressed = CompressionStreams.compress(Compression.ZSTD, file, CompressionStreams.DEFAULT_LEVEL)) {
                checkNar(info, fetched, compressed);
            }
            StagedNar staged = new StagedNar(zstd, file.hash(), file.count(), Compression.ZSTD);
            done = true;
            return staged;
        } finally {
            if (!done) {
                Files.deleteIfExists(zstd);
            }
        }
    }

    /** Decompresses {@code file}, copying the NAR bytes to {@code copy}, and checks NarSize and NarHash. */
    private static void checkNar(NarInfo info, Path file, OutputStream copy) throws IOException, Refused {
        HashingOutputStream nar = new HashingOutputStream(copy);
        try (InputStream raw = Files.newInputStream(file)) {
            // Only reading counts as corrupt data; a failing write (a full disk) stays an IOException.
            InputStream in;
            try {
                in = decompress(info.compression(), raw);
            } catch (IOException e) {
                throw corrupt(info, e);
            }
            // Closed for the native memory zstd holds, not only for the file.
            try (InputStream decompressed = in) {
                byte[] buffer = new byte[BUFFER];
                while (true) {
                    int n;
                    try {
                        n = decompressed.read(buffer);
                    } catch (IOException e) {
                        throw corrupt(info, e);
                    }
                    if (n < 0) {
                        break;
                    }
                    nar.write(buffer, 0, n);
                    // Stop early on an oversized stream: a decompression bomb need not run to its end.
                    if (nar.count() > info.narSize()) {
                        throw new Refused("NarSize mismatch: the narinfo says " + info.narSize() + ", the NAR is longer");
                    }
                }
            }
        }
        if (nar.count() != info.narSize()) {
            throw new Refused("NarSize mismatch: the narinfo says " + info.narSize() + ", the NAR has " + nar.count() + " bytes");
        }
        Hash narHash = nar.hash();
        if (!narHash.equals(info.narHash())) {
            throw new Refused("NarHash mismatch: the narinfo says " + info.narHash() + ", the NAR hashes to " + narHash);
        }
    }

    private static Refused corrupt(NarInfo info, IOException e) {
        return new Refused("the NAR file does not decompress as " + info.compression().narInfoName() + ": " + e.getMessage(), e);
    }

    private static InputStream decompress(Compression compression, InputStream in) throws IOException {
        if (compression == Compression.GZIP) {
            return new GZIPInputStream(in, BUFFER);
        }
        return CompressionStreams.decompress(compression, in);
    }
}
