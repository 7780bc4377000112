package dev.nixfront.nix.compress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.io.HashingOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CompressionStreamsTest {
    private static final byte[] TEXT = "hello, nix\n".repeat(10_000).getBytes();

    /** The package-info example: the NAR of "hi\n" at zstd's default level 3, as `zstd -3` writes it. */
    @Test
    void hiNarCompressesToTheDocumentedFile() throws Exception {
        byte[] nar = HexFormat.of().parseHex("0d000000000000006e69782d617263686976652d31000000"
                + "01000000000000002800000000000000" + "04000000000000007479706500000000"
                + "0700000000000000726567756c617200" + "0800000000000000636f6e74656e7473"
                + "030000000000000068690a0000000000" + "01000000000000002900000000000000");
        assertThat(Hash.sha256(nar).toString()).isEqualTo("sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h");

        HashingOutputStream file = HashingOutputStream.discarding();
        try (OutputStream zstd = CompressionStreams.compress(Compression.ZSTD, file, CompressionStreams.DEFAULT_LEVEL)) {
            zstd.write(nar);
        }

        assertThat(file.count()).isEqualTo(92);
        assertThat(file.hash().toString()).isEqualTo("sha256:1xpfn1wbb9pvkj0pci1j43263x670m3awb1hmdn8cg82k5i25aws");
    }

    @Test
    void zstdOutputIsAZstdFrameWithTheDefaultLevel() throws Exception {
        byte[] zstd = compress(Compression.ZSTD, TEXT, CompressionStreams.DEFAULT_LEVEL);
        assertThat(HexFormat.of().formatHex(zstd, 0, 4)).isEqualTo("28b52ffd");
        assertThat(zstd).isEqualTo(compress(Compression.ZSTD, TEXT, CompressionStreams.ZSTD_DEFAULT_LEVEL));
        assertThat(zstd.length).isLessThan(TEXT.length / 50);
        assertThat(decompress(Compression.ZSTD, zstd)).isEqualTo(TEXT);
    }

    @Test
    void xzOutputIsAnXzStreamWithTheDefaultPreset() throws Exception {
        byte[] xz = compress(Compression.XZ, TEXT, CompressionStreams.DEFAULT_LEVEL);
        assertThat(HexFormat.of().formatHex(xz, 0, 6)).isEqualTo("fd377a585a00");
        assertThat(xz).isEqualTo(compress(Compression.XZ, TEXT, 6));
        assertThat(decompress(Compression.XZ, xz)).isEqualTo(TEXT);
    }

    @Test
    void noneIsThePassThrough() throws Exception {
        OutputStream out = new ByteArrayOutputStream();
        InputStream in = new ByteArrayInputStream(TEXT);
        assertThat(CompressionStreams.compress(Compression.NONE, out, -1)).isSameAs(out);
        assertThat(CompressionStreams.decompress(Compression.NONE, in)).isSameAs(in);
    }

    @Test
    void multiThreadedZstdIsReadableZstd() throws Exception {
        byte[] big = new byte[12 << 20];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) ((i * 2654435761L) >>> 13);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream zstd = CompressionStreams.compress(Compression.ZSTD, out, 1, 2)) {
            zstd.write(big);
        }
        assertThat(decompress(Compression.ZSTD, out.toByteArray())).isEqualTo(big);
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"BZIP2", "GZIP", "BR", "LZ4", "LZIP"})
    void refusesCompressionsItDoesNotHandle(Compression compression) {
        assertThat(compression.supportedForUpload()).isFalse();
        assertThatThrownBy(() -> CompressionStreams.compress(compression, new ByteArrayOutputStream(), -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("compression " + compression.narInfoName() + " is not supported")
                .hasMessageContaining("none, xz and zstd");
        assertThatThrownBy(() -> CompressionStreams.decompress(compression, new ByteArrayInputStream(new byte[0])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not supported");
    }

    @Test
    void refusesLevelsTheCompressorDoesNotHave() {
        assertThatThrownBy(() -> compress(Compression.ZSTD, TEXT, 23)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("zstd levels are 1 to 22");
        assertThatThrownBy(() -> compress(Compression.ZSTD, TEXT, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> compress(Compression.XZ, TEXT, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("xz presets are 0 to 9");
        assertThatThrownBy(() -> compress(Compression.NONE, TEXT, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"XZ", "ZSTD"})
    void truncatedOrCorruptDataIsAnIoException(Compression compression) throws Exception {
        byte[] packed = compress(compression, TEXT, -1);
        assertThatThrownBy(() -> decompress(compression, Arrays.copyOf(packed, packed.length / 2)))
                .isInstanceOf(IOException.class);
        byte[] corrupt = packed.clone();
        corrupt[corrupt.length / 2] ^= 0x55;
        assertThatThrownBy(() -> decompress(compression, corrupt)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> decompress(compression, "not compressed at all".getBytes()))
                .isInstanceOf(IOException.class);
    }

    static byte[] compress(Compression compression, byte[] data, int level) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream compressing = CompressionStreams.compress(compression, out, level)) {
            compressing.write(data);
        }
        return out.toByteArray();
    }

    static byte[] decompress(Compression compression, byte[] data) throws IOException {
        try (InputStream in = CompressionStreams.decompress(compression, new ByteArrayInputStream(data))) {
            return in.readAllBytes();
        }
    }
}
