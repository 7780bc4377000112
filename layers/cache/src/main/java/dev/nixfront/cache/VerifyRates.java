package dev.nixfront.cache;

import dev.nixfront.nix.Compression;
import java.time.Duration;
import java.util.Objects;

/**
 * How fast the publish function verifies, deliberately on the slow side, so that publish can tell
 * before starting a path whether it still fits in the request. Verification is one thread doing,
 * in turn for every chunk, the read from the store, SHA-256 of the file, decompression, NAR parsing
 * and SHA-256 of the NAR; then S3 copies the verified file from staging into {@code nar/}, and the
 * request waits for it. So the costs add up:
 * <pre>
 * estimate = perPath + FileSize / fileBytesPerSecond + NarSize / narBytesPerSecond(Compression)
 *                    + FileSize / copyBytesPerSecond
 * </pre>
 * The NAR term is what the compressed size hides: a 256 MiB xz file can hold a NAR of more than a
 * GiB, and xz decodes slowest of the three. The copy term is counted for every path, although a
 * file some other path already put under {@code nar/} is not copied again: the estimate must not
 * be low, and the file is almost always new.
 *
 * <p>Defaults (MB = 10^6 bytes), for the 2,048 MB publish function (a little over one vCPU):
 * <ul>
 * <li>{@code perPath} 300 ms: HEADs, the read's first byte, the copy's and the delete's requests,
 *     the narinfo PUT and the index write, each tens of milliseconds, with room for their tails;</li>
 * <li>file 40 MB/s: one S3 GET stream in Lambda typically delivers 50-90 MB/s;</li>
 * <li>copy 50 MB/s: CopyObject (and, above 5 GB, UploadPartCopy one part after the other) runs
 *     inside S3 and answers when the whole object is written; commonly reported single-request
 *     copy times are around a minute for 5 GB, so this is taken slow, not measured;</li>
 * <li>NAR, none 150 MB/s: {@code NarReader} + SHA-256 do ~540 MB/s on the benchmark machine
 *     (docs/performance.md), which has SHA extensions a Lambda CPU may lack;</li>
 * <li>NAR, zstd 100 MB/s: zstd decodes at several hundred MB/s per core on top of the above;</li>
 * <li>NAR, xz 20 MB/s: Java's xz decoder does ~50 MB/s of output on one fast core, less on a
 *     Lambda vCPU.</li>
 * </ul>
 * With these, a 256 MiB NAR costs ~6 s as zstd (file ~70 MB), ~14 s incompressible and ~16.5 s as xz
 * (file ~60 MB): each fits a 20 s budget from a standing start, the xz one no longer once a request
 * has spent four seconds; a 256 MiB xz file holding a 1 GiB NAR costs a minute and always goes to
 * the verify function.
 */
public record VerifyRates(Duration perPath, long fileBytesPerSecond, long copyBytesPerSecond, long noneNarBytesPerSecond,
                          long zstdNarBytesPerSecond, long xzNarBytesPerSecond) {
    private static final long MB = 1_000_000L;
    /** Estimates are capped here: far beyond any budget, and safe from overflow. */
    private static final double MAX_SECONDS = 1e9;

    public VerifyRates {
        Objects.requireNonNull(perPath, "perPath");
        if (perPath.isNegative()) {
            throw new IllegalArgumentException("perPath must not be negative");
        }
        if (fileBytesPerSecond <= 0 || copyBytesPerSecond <= 0 || noneNarBytesPerSecond <= 0 || zstdNarBytesPerSecond <= 0 || xzNarBytesPerSecond <= 0) {
            throw new IllegalArgumentException("verification rates must be positive");
        }
    }

    public static VerifyRates defaults() {
        return new VerifyRates(Duration.ofMillis(300), 40 * MB, 50 * MB, 150 * MB, 100 * MB, 20 * MB);
    }

    /** NAR bytes per second through the decompressor, the NAR parser and SHA-256. */
    public long narBytesPerSecond(Compression compression) {
        return switch (compression) {
            case NONE -> noneNarBytesPerSecond;
            case ZSTD -> zstdNarBytesPerSecond;
            // Publish accepts only none, zstd and xz; anything else is costed as the slowest.
            default -> xzNarBytesPerSecond;
        };
    }

    /** How long verifying, copying and publishing one path of these sizes may take, at the most. */
    public Duration estimate(long fileSize, long narSize, Compression compression) {
        double seconds = (double) fileSize / fileBytesPerSecond + (double) narSize / narBytesPerSecond(compression)
                + (double) fileSize / copyBytesPerSecond;
        return perPath.plusNanos(Math.round(Math.min(seconds, MAX_SECONDS) * 1e9));
    }
}
