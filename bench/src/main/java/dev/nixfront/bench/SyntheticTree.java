package dev.nixfront.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.Objects;

/**
 * A deterministic tree shaped like a Nix closure: a few large files (libraries, databases) hold
 * most of the bytes, and tens of thousands of small files (headers, docs, scripts), a few
 * executables and symlinks spread over package-like directories hold the rest.
 */
final class SyntheticTree {
    /** Share of the bytes in a handful of large files; the rest goes to small and medium files. */
    private static final double LARGE_SHARE = 0.6;
    private static final double MEDIUM_SHARE = 0.2;

    private final byte[] pool = new byte[16 << 20];
    private final SplittableRandom random = new SplittableRandom(20240601);

    private SyntheticTree() {
        new Random(7).nextBytes(pool);
    }

    record Stats(long files, long directories, long symlinks, long bytes) {}

    /** Creates the tree under {@code root} (which must not exist) with about {@code totalBytes} of file contents. */
    static Stats generate(Path root, long totalBytes) throws IOException {
        return new SyntheticTree().write(root, totalBytes);
    }

    private Stats write(Path root, long totalBytes) throws IOException {
        long files = 0;
        long directories = 1;
        long symlinks = 0;
        long bytes = 0;
        Files.createDirectory(root);

        long largeBudget = (long) (totalBytes * LARGE_SHARE);
        long[] largeSizes = {largeBudget * 40 / 100, largeBudget * 27 / 100, largeBudget * 16 / 100,
            largeBudget * 10 / 100, largeBudget * 7 / 100};
        Path big = Files.createDirectories(root.resolve("big-0.1/lib"));
        directories += 2;
        for (int i = 0; i < largeSizes.length; i++) {
            bytes += file(big.resolve("libbig" + i + ".so." + i), largeSizes[i], true);
            files++;
        }

        long mediumLeft = (long) (totalBytes * MEDIUM_SHARE);
        long smallLeft = totalBytes - bytes - mediumLeft;
        for (int pkg = 0; mediumLeft > 0 || smallLeft > 0; pkg++) {
            Path p = root.resolve(String.format("pkg%03d-1.%d", pkg, pkg % 7));
            Path bin = Files.createDirectories(p.resolve("bin"));
            Path lib = Files.createDirectories(p.resolve("lib"));
            Path include = Files.createDirectories(p.resolve("include/pkg" + pkg + "/detail"));
            Path doc = Files.createDirectories(p.resolve("share/doc/pkg" + pkg));
            directories += 8;
            for (int i = 0; i < 3 && mediumLeft > 0; i++) {
                long size = Math.min(mediumLeft, 256 * 1024 + random.nextLong(4L << 20));
                bytes += file(lib.resolve("libpkg" + pkg + "_" + i + ".so"), size, true);
                mediumLeft -= size;
                files++;
            }
            for (int i = 0; i < 4; i++) {
                long size = 200 + random.nextLong(30_000);
                bytes += file(bin.resolve("tool-" + i), size, true);
                smallLeft -= size;
                files++;
            }
            for (int i = 0; i < 400 && smallLeft > 0; i++) {
                // Most files in a closure are tiny: half under 2 KiB, few above 16 KiB.
                long size = random.nextInt(4) == 0 ? random.nextLong(16_384) : random.nextLong(2_048);
                Path dir = switch (i % 3) {
                    case 0 -> include;
                    case 1 -> Objects.requireNonNull(include.getParent(), "include has a parent");
                    default -> doc;
                };
                bytes += file(dir.resolve("f" + i + (i % 3 == 2 ? ".html" : ".h")), size, false);
                smallLeft -= size;
                files++;
                if (i % 20 == 0) {
                    Files.createSymbolicLink(dir.resolve("link" + i), Path.of("f" + i + (i % 3 == 2 ? ".html" : ".h")));
                    symlinks++;
                }
            }
            Files.createSymbolicLink(lib.resolve("libpkg" + pkg + ".so.1"), Path.of("../../big-0.1/lib/libbig0.so.0"));
            symlinks++;
        }
        return new Stats(files, directories, symlinks, bytes);
    }

    private long file(Path path, long size, boolean executable) throws IOException {
        try (OutputStream out = Files.newOutputStream(path)) {
            long left = size;
            while (left > 0) {
                int at = random.nextInt(pool.length - 4096);
                int n = (int) Math.min(left, Math.min(1 << 20, pool.length - at));
                out.write(pool, at, n);
                left -= n;
            }
        }
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(executable ? "r-xr-xr-x" : "r--r--r--"));
        return size;
    }

    static void delete(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
