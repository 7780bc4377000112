package dev.nixfront.nix.compress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.nix.Compression;
import java.io.IOException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class CompressionProperties {
    @Property(tries = 300)
    void decompressingWhatWasCompressedGivesTheDataBack(
            @ForAll("supported") Compression compression, @ForAll("data") byte[] data, @ForAll("levels") int level)
            throws IOException {
        int usable = compression == Compression.NONE ? -1 : level;
        byte[] packed = CompressionStreamsTest.compress(compression, data, usable);
        assertThat(CompressionStreamsTest.decompress(compression, packed)).isEqualTo(data);
    }

    @Property(tries = 500)
    void garbageIsAnIoExceptionNeverAnUncheckedOne(
            @ForAll("compressed") Compression compression, @ForAll @Size(max = 300) byte[] garbage) {
        try {
            CompressionStreamsTest.decompress(compression, garbage);
        } catch (IOException expected) {
            // the only acceptable failure
        }
    }

    @Provide
    Arbitrary<Compression> supported() {
        return Arbitraries.of(Compression.NONE, Compression.XZ, Compression.ZSTD);
    }

    @Provide
    Arbitrary<Compression> compressed() {
        return Arbitraries.of(Compression.XZ, Compression.ZSTD);
    }

    @Provide
    Arbitrary<Integer> levels() {
        // xz presets above 3 allocate tens of MiB per stream: sample, do not sweep.
        return Arbitraries.of(-1, 1, 2, 3);
    }

    @Provide
    Arbitrary<byte[]> data() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(5000),
                Arbitraries.bytes().between((byte) 'a', (byte) 'd').array(byte[].class).ofMinSize(10_000).ofMaxSize(200_000));
    }
}
