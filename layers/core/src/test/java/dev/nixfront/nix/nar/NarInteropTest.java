package dev.nixfront.nix.nar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.nix.Hash;
import dev.nixfront.nix.io.HashingInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our NARs against the real Nix (Debian nix-bin): byte for byte, in both directions. */
class NarInteropTest {
    /** Everything the writer must get right: types, empty things, odd names, all kinds of symlinks. */
    static final Tree ODD_TREE = new Tree.Dir(Map.of(
            "bin", new Tree.Dir(Map.of(
                    "hello", new Tree.File("#!/bin/sh\necho hello\n".getBytes(StandardCharsets.UTF_8), true),
                    "empty-exec", new Tree.File(new byte[0], true))),
            "share", new Tree.Dir(Map.of(
                    "empty-dir", new Tree.Dir(Map.of()),
                    "doc", new Tree.Dir(Map.of("a", new Tree.Dir(Map.of("b", new Tree.Dir(Map.of(
                            "c", new Tree.File("deep\n".getBytes(StandardCharsets.UTF_8), false))))))))),
            "empty", new Tree.File(new byte[0], false),
            "seven", new Tree.File("1234567".getBytes(StandardCharsets.UTF_8), false),
            "eight", new Tree.File("12345678".getBytes(StandardCharsets.UTF_8), false),
            "absolute", new Tree.Link("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-glibc/lib"),
            "relative", new Tree.Link("bin/hello"),
            "dangling", new Tree.Link("../does/not/exist"),
            "names", new Tree.Dir(Map.of(
                    "with space", new Tree.File("s".getBytes(StandardCharsets.UTF_8), false),
                    "-leading-dash", new Tree.File("d".getBytes(StandardCharsets.UTF_8), false),
                    ".hidden", new Tree.File("h".getBytes(StandardCharsets.UTF_8), false),
                    "...", new Tree.Dir(Map.of()),
                    "line\nbreak", new Tree.File("n".getBytes(StandardCharsets.UTF_8), false),
                    "Zebra", new Tree.Link("zebra"),
                    "zebra", new Tree.File("z".getBytes(StandardCharsets.UTF_8), false),
                    "caf\u00e9 \u65e5\u672c", new Tree.File("u".getBytes(StandardCharsets.UTF_8), false),
                    // U+FF5E sorts after U+1F600 in UTF-16 (FF5E > D83D) but before it in UTF-8 (EF < F0).
                    "\uFF5E", new Tree.File("tilde".getBytes(StandardCharsets.UTF_8), false),
                    "\uD83D\uDE00", new Tree.File("smile".getBytes(StandardCharsets.UTF_8), false)))));

    @TempDir
    Path dir;

    @BeforeAll
    static void nixIsInstalled() {
        Tools.requireNix();
    }

    @Test
    void oddTreeIsByteForByteWhatNixDumps() throws Exception {
        Path root = dir.resolve("root");
        ODD_TREE.write(root);

        byte[] ours = ours(root);

        assertThat(ours).isEqualTo(nixDump(root)).isEqualTo(ODD_TREE.nar());
    }

    @Test
    void singleFilesAndSymlinksAreByteForByteWhatNixDumps() throws Exception {
        Path file = dir.resolve("hi");
        new Tree.File("hi\n".getBytes(StandardCharsets.UTF_8), false).write(file);
        assertThat(ours(file)).isEqualTo(nixDump(file));
        assertThat(Hash.sha256(ours(file)).toString()).isEqualTo(NarWriterTest.HI_NAR_HASH);

        Path exec = dir.resolve("exec");
        new Tree.File(new byte[] {0, 1, 2}, true).write(exec);
        assertThat(ours(exec)).isEqualTo(nixDump(exec));

        Path link = dir.resolve("link");
        new Tree.Link("hi").write(link);
        assertThat(ours(link)).isEqualTo(nixDump(link));
    }

    @Test
    void largeTreeHasTheHashNixGivesIt() throws Exception {
        Path root = dir.resolve("large");
        Files.createDirectory(root);
        writeRandomFile(root.resolve("big.bin"), 80L << 20, 1);
        writeRandomFile(root.resolve("odd-size.bin"), (3L << 20) + 5, 2);
        Files.createDirectory(root.resolve("many"));
        for (int i = 0; i < 300; i++) {
            Files.writeString(root.resolve("many").resolve("f" + i), "file " + i + "\n".repeat(i));
        }

        NarSummary ours = NarWriter.hash(root);
        NarSummary nixes = nixDumpSummary(root);

        assertThat(ours).isEqualTo(nixes);
        assertThat(ours.narSize()).isGreaterThan(83L << 20);
    }

    @Test
    void readerAcceptsWhatNixDumps() throws Exception {
        Path root = dir.resolve("root");
        ODD_TREE.write(root);
        Path nar = dir.resolve("nix.nar");
        Tools.run(List.of("nix-store", "--dump", root.toString()), null, nar);

        try (InputStream in = Files.newInputStream(nar)) {
            assertThat(NarReader.verify(in))
                    .isEqualTo(new NarSummary(Hash.sha256(Files.readAllBytes(nar)), Files.size(nar)));
        }
    }

    @Test
    void nixRestoresOurNarsToTheSameTree() throws Exception {
        Path root = dir.resolve("root");
        ODD_TREE.write(root);
        Path nar = dir.resolve("ours.nar");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(nar))) {
            NarWriter.dump(root, out);
        }

        Path restored = dir.resolve("restored");
        Tools.run(List.of("nix-store", "--restore", restored.toString()), nar, null);

        assertThat(nixDump(restored)).isEqualTo(Files.readAllBytes(nar));
        assertThat(Files.isExecutable(restored.resolve("bin/hello"))).isTrue();
        assertThat(Files.readSymbolicLink(restored.resolve("dangling"))).hasToString("../does/not/exist");
        assertThat(Files.readString(restored.resolve("names/\uD83D\uDE00"))).isEqualTo("smile");
    }

    private static byte[] ours(Path path) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NarWriter.dump(path, out);
        return out.toByteArray();
    }

    private byte[] nixDump(Path path) throws Exception {
        Path nar = Files.createTempFile(dir, "nix", ".nar");
        Tools.run(List.of("nix-store", "--dump", path.toString()), null, nar);
        return Files.readAllBytes(nar);
    }

    /** Streams Nix's NAR through a hash instead of holding 80 MiB in memory. */
    private NarSummary nixDumpSummary(Path path) throws Exception {
        Path nar = Files.createTempFile(dir, "nix", ".nar");
        Tools.run(List.of("nix-store", "--dump", path.toString()), null, nar);
        try (HashingInputStream in = new HashingInputStream(Files.newInputStream(nar))) {
            in.transferTo(OutputStream.nullOutputStream());
            return new NarSummary(in.hash(), in.count());
        } finally {
            Files.delete(nar);
        }
    }

    private static void writeRandomFile(Path path, long size, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(path)) {
            for (long left = size; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
    }
}
