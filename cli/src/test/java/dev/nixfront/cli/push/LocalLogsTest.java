package dev.nixfront.cli.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.compress.CompressionStreams;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nix's log directory as Nix lays it out, and the zstd file a log becomes for the cache. */
class LocalLogsTest {
    private static final StorePath DRV = path("/nix/store/awcb5kdhcrh9n4al36vyb2zr9ryw3pbi-logexp.drv");
    private static final StorePath OUT = path("/nix/store/y45as42avv4mada33kfpks8dgwl7ql2j-logexp");
    private static final String TEXT = "building logexp\nline two\n";

    @TempDir
    Path logDir;

    private static StorePath path(String text) {
        try {
            return StorePath.parse(text);
        } catch (NixFormatException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @TempDir
    Path work;

    private Path drvs() throws IOException {
        return Files.createDirectories(logDir.resolve("drvs/aw"));
    }

    private static String unzstd(Path file) throws IOException {
        try (InputStream in = CompressionStreams.decompress(Compression.ZSTD, new ByteArrayInputStream(Files.readAllBytes(file)))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aBzip2LogAsNixKeepsItIsFoundAndRecompressedWithZstd() throws Exception {
        Path bz2 = drvs().resolve("cb5kdhcrh9n4al36vyb2zr9ryw3pbi-logexp.drv.bz2");
        try (OutputStream out = new BZip2CompressorOutputStream(Files.newOutputStream(bz2))) {
            out.write(TEXT.getBytes(StandardCharsets.UTF_8));
        }
        LocalLogs logs = new LocalLogs(logDir);

        assertThat(logs.find(DRV)).contains(bz2);
        PackedLog packed = logs.pack(OUT, DRV, bz2, work.resolve("log.zst")).orElseThrow();

        assertThat(packed.size()).isEqualTo(TEXT.length());
        assertThat(unzstd(packed.file())).isEqualTo(TEXT);
        assertThat(packed.fileSize()).isEqualTo(Files.size(packed.file()));
        assertThat(packed.fileHash()).isEqualTo(Hash.sha256(Files.readAllBytes(packed.file())));
        assertThat(packed.wire().storePath()).isEqualTo(OUT.toString());
        assertThat(packed.wire().compression()).isEqualTo("zstd");
    }

    @Test
    void anUncompressedLogCountsTooAndAMissingOneIsNone() throws Exception {
        Path plain = Files.writeString(drvs().resolve("cb5kdhcrh9n4al36vyb2zr9ryw3pbi-logexp.drv"), TEXT);
        LocalLogs logs = new LocalLogs(logDir);

        assertThat(logs.find(DRV)).contains(plain);
        assertThat(unzstd(logs.pack(OUT, DRV, plain, work.resolve("log.zst")).orElseThrow().file())).isEqualTo(TEXT);
        assertThat(logs.find(path("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-other.drv"))).isEmpty();
    }

    @Test
    void aCorruptLogIsAnErrorNamingItAndLeavesNoFile() throws Exception {
        Path broken = Files.write(drvs().resolve("cb5kdhcrh9n4al36vyb2zr9ryw3pbi-logexp.drv.bz2"), "BZh9 not really".getBytes(StandardCharsets.UTF_8));
        Path into = work.resolve("log.zst");

        assertThatThrownBy(() -> new LocalLogs(logDir).pack(OUT, DRV, broken, into))
                .isInstanceOf(IOException.class).hasMessageContaining(broken.toString());
        assertThat(into).doesNotExist();
    }
}
