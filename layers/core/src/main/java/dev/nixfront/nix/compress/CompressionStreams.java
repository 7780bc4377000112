package dev.nixfront.nix.compress;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.nixfront.nix.Compression;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.UnsupportedOptionsException;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZInputStream;
import org.tukaani.xz.XZOutputStream;

/**
 * Compressing and decompressing streams for the narinfo {@code Compression} values nixfront
 * handles: {@code none}, {@code xz} (org.tukaani:xz) and {@code zstd} (zstd-jni). Memory is
 * bounded whatever the data size: xz at its default preset uses about 94 MiB to compress and
 * 9 MiB to decompress; zstd at its default level a few MiB.
 *
 * <p>Levels: {@value #DEFAULT_LEVEL} picks the compressor's own default, the one Nix gets when
 * {@code compression-level} is unset: {@value #ZSTD_DEFAULT_LEVEL} for zstd (1 to 22 allowed),
 * preset {@value #XZ_DEFAULT_PRESET} for xz (0 to 9). Other compressions
 * ({@link Compression#supportedForUpload()} is false for them) throw
 * {@link IllegalArgumentException}: check that first when the value comes from outside.
 *
 * <p>The returned streams own the stream they wrap: closing them finishes the compressed data
 * and closes it. For {@link Compression#NONE} the stream itself is returned.
 */
public final class CompressionStreams {
    /** Asks for the compressor's default level. */
    public static final int DEFAULT_LEVEL = -1;
    public static final int ZSTD_DEFAULT_LEVEL = 3;
    public static final int XZ_DEFAULT_PRESET = LZMA2Options.PRESET_DEFAULT;
    /**
     * Decompression refuses xz data that would need more memory: every preset fits (xz -9 needs
     * 65 MiB), a hostile header announcing a 1.5 GiB dictionary does not.
     */
    static final int XZ_MEMORY_LIMIT_KIB = 128 * 1024;

    private CompressionStreams() {}

    /** A single-threaded compressor writing to {@code out}; {@code level} as in the class comment. */
    public static OutputStream compress(Compression compression, OutputStream out, int level) throws IOException {
        return compress(compression, out, level, 1);
    }

    /**
     * As {@link #compress(Compression, OutputStream, int)}, zstd compressing on {@code threads}
     * worker threads when more than one (xz ignores it: org.tukaani:xz has no multi-threaded
     * encoder). Multi-threaded zstd output is a valid zstd stream, though not byte-identical to
     * the single-threaded one.
     */
    public static OutputStream compress(Compression compression, OutputStream out, int level, int threads)
            throws IOException {
        Objects.requireNonNull(out, "out");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        return switch (Objects.requireNonNull(compression, "compression")) {
            case NONE -> {
                if (level != DEFAULT_LEVEL) {
                    throw new IllegalArgumentException("compression none has no levels, got " + level);
                }
                yield out;
            }
            case XZ -> new XZOutputStream(out, xzOptions(level), XZ.CHECK_CRC64);
            case ZSTD -> zstd(out, level, threads);
            default -> throw unsupported(compression);
        };
    }

    /** A stream of the decompressed bytes of {@code in}. Corrupt or truncated data is an {@link IOException}. */
    public static InputStream decompress(Compression compression, InputStream in) throws IOException {
        Objects.requireNonNull(in, "in");
        return switch (Objects.requireNonNull(compression, "compression")) {
            case NONE -> in;
            // XZInputStream reads headers a few bytes at a time.
            case XZ -> new XZInputStream(new BufferedInputStream(in, 1 << 16), XZ_MEMORY_LIMIT_KIB);
            case ZSTD -> new ZstdInputStreamNoFinalizer(in);
            default -> throw unsupported(compression);
        };
    }

    private static LZMA2Options xzOptions(int level) {
        int preset = level == DEFAULT_LEVEL ? XZ_DEFAULT_PRESET : level;
        try {
            return new LZMA2Options(preset);
        } catch (UnsupportedOptionsException e) {
            throw new IllegalArgumentException("xz presets are 0 to 9 (or -1 for the default 6), got " + level, e);
        }
    }

    private static OutputStream zstd(OutputStream out, int level, int threads) throws IOException {
        if (level != DEFAULT_LEVEL && (level < 1 || level > 22)) {
            throw new IllegalArgumentException("zstd levels are 1 to 22 (or -1 for the default 3), got " + level);
        }
        ZstdOutputStreamNoFinalizer zstd = new ZstdOutputStreamNoFinalizer(out,
                level == DEFAULT_LEVEL ? ZSTD_DEFAULT_LEVEL : level);
        // The content checksum lets `zstd -d` and Nix notice corruption, as the zstd CLI does.
        zstd.setChecksum(true);
        if (threads > 1) {
            zstd.setWorkers(threads);
        }
        return zstd;
    }

    private static IllegalArgumentException unsupported(Compression compression) {
        return new IllegalArgumentException("compression " + compression.narInfoName()
                + " is not supported: nixfront compresses and decompresses only none, xz and zstd");
    }
}
