package dev.nixfront.bench.capacity;

import dev.nixfront.api.PathInfo;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Hands out synthetic closures, as many as make {@code total} paths, to whichever client asks next.
 * A closure is what one {@code nixfront push} of a fresh build sends: input-addressed paths with
 * realistic names of 20 to 40 characters and a deriver, each referring to 0 to 10 (on average 5)
 * earlier paths of its closure, so the list is already references first and an index item weighs
 * what a real one does (about a kilobyte); each NAR is a tiny regular file, sent uncompressed.
 * Closure {@code n} comes from its own seeded generator, so a run is the same whatever the order in
 * which clients take them.
 */
final class Closures {
    /** One path: its NAR (also its file, compression none) and what the client publishes for it. */
    record Path(StorePath storePath, byte[] nar, PathInfo info) {}

    private static final String[] PACKAGES = {"glibc", "openssl", "python3.12-requests", "perl5.38.2-URI", "libxml2",
        "gcc-unwrapped", "bash-interactive", "coreutils-full", "zlib", "ncurses", "libffi", "sqlite", "curl", "nghttp2",
        "systemd-minimal", "util-linux-minimal", "rustc-wrapper", "nodejs-slim", "ghc-9.6.6-with-packages", "haskell-text",
        "libunistring", "readline", "gettext", "expat", "xz", "zstd", "bzip2", "brotli", "openssh", "git-minimal", "cmake",
        "pkg-config-wrapper", "gnumake", "binutils-wrapper", "llvm-lib", "mesa", "gtk+3", "glib", "dbus", "python3.12-numpy"};
    private static final String[] OUTPUTS = {"", "", "", "-dev", "-lib", "-bin", "-man", "-doc"};
    private static final String[] QUALIFIERS = {"-static", "-unwrapped", "-minimal", "-full", "-wrapped", "-env"};
    private static final int MIN_NAME = 20;
    private static final int MAX_NAME = 40;
    private static final int MAX_REFERENCES = 10;

    private final int total;
    private final int size;
    private final long seed;
    private int handedOut;
    private int closures;

    Closures(int total, int size, long seed) {
        this.total = total;
        this.size = size;
        this.seed = seed;
    }

    /** The next closure (the last may be smaller), or null when all paths are handed out. */
    List<Path> next() {
        int n;
        int paths;
        synchronized (this) {
            if (handedOut >= total) {
                return null;
            }
            paths = Math.min(size, total - handedOut);
            handedOut += paths;
            n = closures++;
        }
        return generate(new SplittableRandom(seed * 1_000_003L + n), paths);
    }

    static List<Path> generate(SplittableRandom random, int paths) {
        List<Path> closure = new ArrayList<>(paths);
        for (int i = 0; i < paths; i++) {
            String name = name(random);
            StorePath storePath = new StorePath(StorePath.DEFAULT_STORE_DIR, hash(random), name);
            TreeSet<String> references = new TreeSet<>();
            int count = Math.min(i, random.nextInt(MAX_REFERENCES + 1));
            while (references.size() < count) {
                references.add(closure.get(random.nextInt(i)).storePath().baseName());
            }
            byte[] contents = ("contents of " + storePath + "\n" + "x".repeat(random.nextInt(200)) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            byte[] nar = TinyNar.regularFile(contents);
            String narHash = Hash.sha256(nar).toString();
            PathInfo info = new PathInfo(storePath.toString(), narHash, nar.length, narHash, nar.length,
                    Compression.NONE.narInfoName(), List.copyOf(references), hash(random).value() + "-" + name + ".drv", null);
            closure.add(new Path(storePath, nar, info));
        }
        return closure;
    }

    private static StorePathHash hash(SplittableRandom random) {
        byte[] bytes = new byte[StorePathHash.BYTES];
        random.nextBytes(bytes);
        return StorePathHash.of(bytes);
    }

    private static String name(SplittableRandom random) {
        while (true) {
            StringBuilder name = new StringBuilder(PACKAGES[random.nextInt(PACKAGES.length)])
                    .append('-').append(random.nextInt(1, 10)).append('.').append(random.nextInt(30))
                    .append('.').append(random.nextInt(20));
            while (name.length() < MIN_NAME) {
                name.append(QUALIFIERS[random.nextInt(QUALIFIERS.length)]);
            }
            name.append(OUTPUTS[random.nextInt(OUTPUTS.length)]);
            if (name.length() <= MAX_NAME) {
                return name.toString();
            }
        }
    }
}
