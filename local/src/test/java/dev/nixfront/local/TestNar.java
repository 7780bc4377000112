package dev.nixfront.local;

import dev.nixfront.api.PathInfo;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.compress.CompressionStreams;
import dev.nixfront.nix.nar.NarSummary;
import dev.nixfront.nix.nar.NarWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * A store path packed as a client would (NAR, compressed) held in memory, for tests that speak
 * to the API directly to lie, tamper and race.
 */
record TestNar(String storePath, Hash narHash, long narSize, byte[] file, Hash fileHash, Compression compression,
               List<String> references) {

    static TestNar pack(String storePath, Compression compression, List<String> referenceBaseNames) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        NarSummary nar;
        try (OutputStream out = CompressionStreams.compress(compression, bytes, CompressionStreams.DEFAULT_LEVEL)) {
            nar = NarWriter.dumpAndHash(Path.of(storePath), out);
        }
        byte[] file = bytes.toByteArray();
        return new TestNar(storePath, nar.narHash(), nar.narSize(), file, Hash.sha256(file), compression, referenceBaseNames);
    }

    long fileSize() {
        return file.length;
    }

    String hashPart() {
        return Path.of(storePath).getFileName().toString().substring(0, 32);
    }

    String baseName() {
        return Path.of(storePath).getFileName().toString();
    }

    PathInfo info() {
        return new PathInfo(storePath, narHash.toString(), narSize, fileHash.toString(), fileSize(), compression.narInfoName(),
                references, null, null);
    }

    PathInfo info(String narHash, long narSize, String fileHash, long fileSize) {
        return new PathInfo(storePath, narHash, narSize, fileHash, fileSize, compression.narInfoName(), references, null, null);
    }
}
