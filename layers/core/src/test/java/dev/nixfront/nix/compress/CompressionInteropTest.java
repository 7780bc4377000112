package dev.nixfront.nix.compress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.nix.Compression;
import dev.nixfront.nix.nar.Tools;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What we compress, the real xz and zstd decompress, and the other way round. */
class CompressionInteropTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void toolsAreInstalled() {
        Tools.require("xz", "xz-utils");
        Tools.require("zstd", "zstd");
    }

    @Test
    void realXzReadsOurXz() throws Exception {
        theirDecompressorReadsOurs(Compression.XZ, List.of("xz", "-d", "-c"), -1, 1);
        theirDecompressorReadsOurs(Compression.XZ, List.of("xz", "-d", "-c"), 0, 1);
    }

    @Test
    void realZstdReadsOurZstd() throws Exception {
        theirDecompressorReadsOurs(Compression.ZSTD, List.of("zstd", "-d", "-c", "-q"), -1, 1);
        theirDecompressorReadsOurs(Compression.ZSTD, List.of("zstd", "-d", "-c", "-q"), 12, 1);
        theirDecompressorReadsOurs(Compression.ZSTD, List.of("zstd", "-d", "-c", "-q"), 1, 2);
    }

    @Test
    void weReadWhatRealXzWrites() throws Exception {
        weReadTheirs(Compression.XZ, List.of("xz", "-c", "-T2"));
    }

    @Test
    void weReadWhatRealZstdWrites() throws Exception {
        weReadTheirs(Compression.ZSTD, List.of("zstd", "-c", "-q", "-T2"));
    }

    private void theirDecompressorReadsOurs(Compression compression, List<String> command, int level, int threads)
            throws Exception {
        Path plain = sample();
        Path packed = dir.resolve("packed");
        try (OutputStream out = CompressionStreams.compress(compression, Files.newOutputStream(packed), level, threads)) {
            Files.copy(plain, out);
        }
        Path unpacked = dir.resolve("unpacked");
        Tools.run(command, packed, unpacked);
        assertThat(Files.mismatch(plain, unpacked)).isEqualTo(-1L);
    }

    private void weReadTheirs(Compression compression, List<String> command) throws Exception {
        Path plain = sample();
        Path packed = dir.resolve("theirs");
        Tools.run(command, plain, packed);
        Path unpacked = dir.resolve("unpacked");
        try (InputStream in = CompressionStreams.decompress(compression, Files.newInputStream(packed))) {
            Files.copy(in, unpacked);
        }
        assertThat(Files.mismatch(plain, unpacked)).isEqualTo(-1L);
    }

    /** 512 KiB that compress somewhat: random words, so neither trivial nor incompressible. */
    private Path sample() throws IOException {
        Path plain = dir.resolve("plain");
        if (Files.exists(plain)) {
            return plain;
        }
        String[] words = {"nix", "store", "narinfo", "zstd", "xz", "\n", " ", "/nix/store/", "lib", "0x7f"};
        Random random = new Random(42);
        StringBuilder text = new StringBuilder();
        while (text.length() < 1 << 19) {
            text.append(words[random.nextInt(words.length)]).append(random.nextInt(1000));
        }
        Files.writeString(plain, text);
        return plain;
    }
}
