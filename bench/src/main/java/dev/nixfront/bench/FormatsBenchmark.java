package dev.nixfront.bench;

import dev.nixfront.nix.nar.NarReader;
import dev.nixfront.nix.nar.NarSummary;
import dev.nixfront.nix.nar.NarWriter;
import dev.nixfront.nix.sign.SecretKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * NAR serialisation + SHA-256 of a ~1 GiB closure-like tree, nixfront against
 * {@code nix-store --dump PATH | sha256sum} on the same tree (page cache warm for both, runs
 * alternated, median reported), NAR validation of Nix's own dump, and Ed25519 narinfo
 * signatures per second on one thread. Usage:
 *
 * <pre>
 * FormatsBenchmark [--size-mib 1024] [--runs 5] [--dir /tmp] [--keep]
 * </pre>
 *
 * The generated tree is deleted at the end unless {@code --keep}.
 */
public final class FormatsBenchmark {
    private record Options(long sizeMib, int runs, Path dir, boolean keep) {
        static Options parse(String[] args) {
            long size = 1024;
            int runs = 5;
            Path dir = Path.of(System.getProperty("java.io.tmpdir"));
            boolean keep = false;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--size-mib" -> size = Long.parseLong(args[++i]);
                    case "--runs" -> runs = Integer.parseInt(args[++i]);
                    case "--dir" -> dir = Path.of(args[++i]);
                    case "--keep" -> keep = true;
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + "; usage: [--size-mib N] [--runs N] [--dir DIR] [--keep]");
                }
            }
            return new Options(size, runs, dir, keep);
        }
    }

    /** Keeps the JIT from dropping signatures nobody reads. */
    static volatile long consumed;

    private FormatsBenchmark() {}

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Path workdir = Files.createTempDirectory(options.dir(), "nixfront-bench-");
        Path tree = workdir.resolve("tree");
        try {
            long started = System.nanoTime();
            SyntheticTree.Stats stats = SyntheticTree.generate(tree, options.sizeMib() << 20);
            System.out.printf(Locale.ROOT, "tree: %,d files, %,d directories, %,d symlinks, %,d bytes of contents (%.1f s to generate) at %s%n",
                    stats.files(), stats.directories(), stats.symlinks(), stats.bytes(), seconds(System.nanoTime() - started), tree);
            narThroughput(tree, options.runs());
            signatures();
        } finally {
            if (options.keep()) {
                System.out.println("kept " + tree);
            } else {
                SyntheticTree.delete(workdir);
                System.out.println("deleted " + workdir);
            }
        }
    }

    private static void narThroughput(Path tree, int runs) throws Exception {
        // Warm the page cache and the JIT for both sides; only later runs count.
        NarSummary ours = NarWriter.hash(tree);
        String nixes = nixDumpSha256(tree);
        if (!ours.narHash().toBase16().equals(nixes)) {
            throw new IllegalStateException("NAR hashes differ: nixfront " + ours.narHash().toBase16() + ", nix " + nixes);
        }
        List<Double> oursSeconds = new ArrayList<>();
        List<Double> nixSeconds = new ArrayList<>();
        List<Double> oursDumpSeconds = new ArrayList<>();
        List<Double> nixDumpSeconds = new ArrayList<>();
        List<Double> readerSeconds = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            long t0 = System.nanoTime();
            NarSummary again = NarWriter.hash(tree);
            long t1 = System.nanoTime();
            String nixAgain = nixDumpSha256(tree);
            long t2 = System.nanoTime();
            NarWriter.dump(tree, OutputStream.nullOutputStream());
            long t3 = System.nanoTime();
            run(List.of("bash", "-c", "nix-store --dump \"$1\" >/dev/null", "bash", tree.toString()));
            long t4 = System.nanoTime();
            NarSummary read = readNixDump(tree);
            long t5 = System.nanoTime();
            if (!again.equals(ours) || !nixAgain.equals(nixes) || !read.equals(ours)) {
                throw new IllegalStateException("results changed between runs");
            }
            oursSeconds.add(seconds(t1 - t0));
            nixSeconds.add(seconds(t2 - t1));
            oursDumpSeconds.add(seconds(t3 - t2));
            nixDumpSeconds.add(seconds(t4 - t3));
            readerSeconds.add(seconds(t5 - t4));
            System.out.printf(Locale.ROOT, "run %d: NAR+SHA-256 nixfront %.2f s, nix %.2f s; NAR only nixfront %.2f s,"
                    + " nix %.2f s; nix-store --dump into NarReader %.2f s%n",
                    run + 1, seconds(t1 - t0), seconds(t2 - t1), seconds(t3 - t2), seconds(t4 - t3), seconds(t5 - t4));
        }
        double oursMedian = median(oursSeconds);
        double nixMedian = median(nixSeconds);
        long size = ours.narSize();
        System.out.println();
        System.out.printf(Locale.ROOT, "NarHash %s, NarSize %,d, median of %d runs (MB = 10^6 bytes):%n", ours.narHash(), size, runs);
        System.out.println("| what | seconds | MB/s |");
        System.out.println("|---|---:|---:|");
        row("NAR + SHA-256, nixfront `NarWriter.hash(path)`", oursMedian, size);
        row("NAR + SHA-256, `nix-store --dump PATH \\| sha256sum`", nixMedian, size);
        row("NAR only, nixfront `NarWriter.dump(path, nullOutputStream())`", median(oursDumpSeconds), size);
        row("NAR only, `nix-store --dump PATH >/dev/null`", median(nixDumpSeconds), size);
        row("`nix-store --dump PATH` piped into nixfront `NarReader.verify` (validate + SHA-256)", median(readerSeconds), size);
        System.out.printf(Locale.ROOT, "nixfront / nix NAR + SHA-256 throughput: %.2fx (target >= 0.8x)%n%n", nixMedian / oursMedian);
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException(command + " failed");
        }
    }

    private static void row(String what, double seconds, long bytes) {
        System.out.printf(Locale.ROOT, "| %s | %.2f | %.0f |%n", what, seconds, bytes / 1e6 / seconds);
    }

    private static String nixDumpSha256(Path tree) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", "-c", "set -o pipefail; nix-store --dump \"$1\" | sha256sum", "bash", tree.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("nix-store --dump | sha256sum failed (is nix-bin installed?)");
        }
        return out.substring(0, 64);
    }

    private static NarSummary readNixDump(Path tree) throws Exception {
        Process process = new ProcessBuilder("nix-store", "--dump", tree.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        NarSummary summary;
        try (InputStream in = process.getInputStream()) {
            summary = NarReader.verify(in);
        }
        if (process.waitFor() != 0) {
            throw new IllegalStateException("nix-store --dump failed");
        }
        return summary;
    }

    /** Ed25519 signatures of narinfo fingerprints, one thread, median of 5 two-second windows. */
    private static void signatures() {
        SecretKey key = SecretKey.generate("bench.nixfront.dev-1", new SecureRandom());
        byte[] fingerprint = ("1;/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hello-2.12.1;"
                + "sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h;226488;"
                + "/nix/store/9df65igwjmf2wbw0gbrrgair6piqjgmi-glibc-2.31,"
                + "/nix/store/w9yy7v61ipb5rx6i35zq1mvc2iqfmps1-hello-2.10").getBytes(StandardCharsets.UTF_8);
        signFor(key, fingerprint, 2_000_000_000L);
        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rates.add(signFor(key, fingerprint, 2_000_000_000L));
        }
        System.out.printf(Locale.ROOT, "| Ed25519 signatures of a %d-byte fingerprint, 1 thread (`SecretKey.sign`) | %,.0f per second |%n",
                fingerprint.length, median(rates));
    }

    private static double signFor(SecretKey key, byte[] message, long nanos) {
        long start = System.nanoTime();
        long count = 0;
        long now;
        do {
            for (int i = 0; i < 100; i++) {
                message[message.length - 1] = (byte) count;
                consumed += key.sign(message).bytes()[0];
                count++;
            }
            now = System.nanoTime();
        } while (now - start < nanos);
        return count / seconds(now - start);
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
