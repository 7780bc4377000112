package dev.nixfront.cli.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.compress.CompressionStreams;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks of a source NAR file against its narinfo. The bytes stand in for a NAR: the verifier
 * compares hashes and sizes only (the server parses the NAR when it verifies the upload).
 */
class NarVerifierTest {
    private static final byte[] NAR = new byte[200_000];

    static {
        new Random(14).nextBytes(NAR);
    }

    private static byte[] compress(Compression compression, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = compression == Compression.GZIP ? new GZIPOutputStream(bytes)
                : CompressionStreams.compress(compression, bytes, CompressionStreams.DEFAULT_LEVEL)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    private static NarInfo info(Compression compression, byte[] file, Hash narHash, long narSize) throws Exception {
        return NarInfo.builder(StorePath.parse("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi")).url("nar/x.nar" + compression.fileExtension())
                .compression(compression).fileHash(Hash.sha256(file)).fileSize(file.length).narHash(narHash).narSize(narSize).build();
    }

    @Test
    void anXzFileThatMatchesIsStagedAsItIs(@TempDir Path dir) throws Exception {
        byte[] file = compress(Compression.XZ, NAR);
        StagedNar staged = new NarVerifier(dir).stage(info(Compression.XZ, file, Hash.sha256(NAR), NAR.length), new ByteArrayInputStream(file));
        assertThat(staged.compression()).isEqualTo(Compression.XZ);
        assertThat(staged.fileHash()).isEqualTo(Hash.sha256(file));
        assertThat(Files.readAllBytes(staged.file())).isEqualTo(file);
    }

    @Test
    void aGzipFileIsRecompressedToZstdWithItsOwnFileHash(@TempDir Path dir) throws Exception {
        byte[] file = compress(Compression.GZIP, NAR);
        StagedNar staged = new NarVerifier(dir).stage(info(Compression.GZIP, file, Hash.sha256(NAR), NAR.length), new ByteArrayInputStream(file));
        assertThat(staged.compression()).isEqualTo(Compression.ZSTD);
        byte[] zstd = Files.readAllBytes(staged.file());
        assertThat(staged.fileHash()).isEqualTo(Hash.sha256(zstd));
        assertThat(staged.fileSize()).isEqualTo(zstd.length);
        try (InputStream in = CompressionStreams.decompress(Compression.ZSTD, new ByteArrayInputStream(zstd))) {
            assertThat(in.readAllBytes()).isEqualTo(NAR);
        }
        try (var left = Files.list(dir)) {
            assertThat(left).as("only the staged file stays").containsExactly(staged.file());
        }
    }

    @Test
    void aWrongNarHashOrSizeOrCorruptDataIsRefusedAndLeavesNoFile(@TempDir Path dir) throws Exception {
        byte[] file = compress(Compression.ZSTD, NAR);
        NarVerifier verifier = new NarVerifier(dir);
        assertThatThrownBy(() -> verifier.stage(info(Compression.ZSTD, file, Hash.sha256(new byte[] {1}), NAR.length), new ByteArrayInputStream(file)))
                .isInstanceOf(Refused.class).hasMessageStartingWith("NarHash mismatch");
        assertThatThrownBy(() -> verifier.stage(info(Compression.ZSTD, file, Hash.sha256(NAR), NAR.length - 1), new ByteArrayInputStream(file)))
                .isInstanceOf(Refused.class).hasMessageContaining("NarSize mismatch").hasMessageContaining("longer");
        assertThatThrownBy(() -> verifier.stage(info(Compression.ZSTD, file, Hash.sha256(NAR), NAR.length + 1), new ByteArrayInputStream(file)))
                .isInstanceOf(Refused.class).hasMessageContaining("NarSize mismatch");
        byte[] truncated = java.util.Arrays.copyOf(file, file.length / 2);
        assertThatThrownBy(() -> verifier.stage(info(Compression.ZSTD, truncated, Hash.sha256(NAR), NAR.length), new ByteArrayInputStream(truncated)))
                .isInstanceOf(Refused.class).hasMessageStartingWith("the NAR file does not decompress as zstd");
        assertThatThrownBy(() -> verifier.stage(info(Compression.ZSTD, file, Hash.sha256(NAR), NAR.length), new ByteArrayInputStream(truncated)))
                .isInstanceOf(Refused.class).hasMessageStartingWith("FileSize mismatch");
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aCompressionThatCannotBeReadIsRefusedBeforeFetching() {
        assertThatThrownBy(() -> NarVerifier.checkReadable(Compression.BZIP2)).isInstanceOf(Refused.class).hasMessageContaining("bzip2");
    }
}
