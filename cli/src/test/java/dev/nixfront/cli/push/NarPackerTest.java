package dev.nixfront.cli.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.compress.CompressionStreams;
import dev.nixfront.nix.nar.NarSummary;
import dev.nixfront.nix.nar.NarWriter;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A NAR packed with zstd's workers (what a large NAR gets) is the same NAR, in a file that hashes as reported. */
class NarPackerTest {
    @TempDir
    Path work;

    @Test
    void aNarPackedOnEveryCoreDecompressesToTheNarNixRegistered() throws Exception {
        // The packer reads a path where its store path says; a store directory of our own stands in for /nix/store.
        StorePath storePath = StorePath.parse(work + "/0123456789abcdfghijklmnpqrsvwxyz-tree");
        Path tree = Files.createDirectories(Path.of(storePath.toString()));
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 200_000; i++) {
            text.append("line ").append(i).append(" of a file large enough for several zstd jobs\n");
        }
        Files.writeString(tree.resolve("big.txt"), text);
        ByteArrayOutputStream nar = new ByteArrayOutputStream();
        NarSummary summary = NarWriter.dumpAndHash(tree, nar);
        LocalPath path = new LocalPath(storePath, summary.narHash(), summary.narSize(), List.of(), null, null);
        Path out = Files.createDirectories(work.resolve("out"));

        PackedNar packed = new NarPacker(out, Compression.ZSTD, -1, 0).pack(path);

        byte[] file = Files.readAllBytes(packed.file());
        assertThat(Hash.sha256(file)).isEqualTo(packed.fileHash());
        try (InputStream in = CompressionStreams.decompress(Compression.ZSTD, Files.newInputStream(packed.file()))) {
            assertThat(in.readAllBytes()).isEqualTo(nar.toByteArray());
        }
    }
}
