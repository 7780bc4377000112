package dev.nixfront.nix.nar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NixFormatException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class NarReaderTest {
    static final byte[] HI = NarBytes.magic().str("(", "type", "regular", "contents", "hi\n", ")").bytes();

    @Test
    void acceptsTheNarOfHiAndYieldsItsHashAndSize() throws Exception {
        assertThat(NarReader.verify(new ByteArrayInputStream(HI)))
                .isEqualTo(new NarSummary(Hash.parse(NarWriterTest.HI_NAR_HASH), 120));
    }

    @Test
    void readsFromStreamsThatReturnOneByteAtATime() throws Exception {
        assertThat(NarReader.verify(trickle(HI)).narHash().toString()).isEqualTo(NarWriterTest.HI_NAR_HASH);
    }

    @Test
    void tellsTheListenerAboutEveryNode() throws Exception {
        Tree tree = new Tree.Dir(Map.of(
                "bin", new Tree.Dir(Map.of("hello", new Tree.File("#!/bin/sh\n".getBytes(), true))),
                "lib", new Tree.Link("bin"),
                "share", new Tree.File(new byte[0], false)));
        List<String> heard = new ArrayList<>();
        NarSummary summary = NarReader.read(new ByteArrayInputStream(tree.nar()), new NarListener() {
            @Override
            public void directory(String path) {
                heard.add("dir '" + path + "'");
            }

            @Override
            public void regular(String path, boolean executable, long size, long contentsOffset) {
                heard.add("file '" + path + "' " + executable + " " + size + " @" + contentsOffset);
            }

            @Override
            public void symlink(String path, String target) {
                heard.add("link '" + path + "' -> " + target);
            }
        });

        assertThat(heard).containsExactly(
                "dir ''",
                "dir 'bin'",
                "file 'bin/hello' true 10 @400",
                "link 'lib' -> bin",
                "file 'share' false 0 @824");
        assertThat(Arrays.copyOfRange(tree.nar(), 400, 410)).isEqualTo("#!/bin/sh\n".getBytes());
        assertThat(summary.narSize()).isEqualTo(tree.nar().length);
    }

    @Test
    void refusesWhatIsNotANar() {
        rejects(NarBytes.magic().bytes(), "nar", "truncated: the input ends at byte offset 24");
        rejects(new byte[0], "nar", "truncated: the input ends at byte offset 0");
        rejects(new NarBytes().str("nix-archive-2", "(").bytes(), "nar.magic", "offset 0");
        rejects(new NarBytes().u64(1L << 40).bytes(), "nar.magic", "offset 0");
        rejects("<html>not found</html>".getBytes(), "nar.magic", "not a NAR");
    }

    @Test
    void refusesNonZeroPadding() {
        byte[] contents = HI.clone();
        contents[99] = 1;
        rejects(contents, "nar.padding", "at byte offset 99");
        byte[] magic = HI.clone();
        magic[23] = ' ';
        rejects(magic, "nar.padding", "at byte offset 23");
        byte[] tag = HI.clone();
        tag[33] = 'x';
        rejects(tag, "nar.padding", "at byte offset 33");
    }

    @Test
    void refusesTruncationAtEveryByte() {
        for (int length = 0; length < HI.length; length++) {
            rejects(Arrays.copyOf(HI, length), "nar", "truncated: the input ends at byte offset " + length);
        }
    }

    @Test
    void refusesTrailingBytes() {
        rejects(Arrays.copyOf(HI, HI.length + 1), "nar", "trailing bytes after the end of the archive (at byte offset 120)");
        rejects(NarBytes.magic().str("(", "type", "symlink", "target", "x", ")", ")").bytes(), "nar", "trailing");
    }

    @Test
    void refusesUnknownTagsAndTypes() {
        rejects(file().str("contentz", "x", ")").bytes(), "nar.tag", "expected 'executable' or 'contents', got 'contentz'");
        rejects(NarBytes.magic().str("(", "type", "fifo", ")").bytes(), "nar.type", "unknown file type 'fifo' (at byte offset 56)");
        rejects(NarBytes.magic().str("[", "type").bytes(), "nar.tag", "expected '(', got '['");
        rejects(NarBytes.magic().str("(", "kind").bytes(), "nar.tag", "expected 'type', got 'kind'");
        rejects(NarBytes.magic().str("(", "type", "directory", "executable", "").bytes(), "nar.tag",
                "expected 'entry' or ')', got 'executable'");
        rejects(file().str("contents", "x", "executable", "", ")").bytes(), "nar.tag", "expected ')', got 'executable'");
        rejects(file().str("executable", "", "executable", "").bytes(), "nar.tag", "expected 'contents', got 'executable'");
        rejects(NarBytes.magic().str("(", "type", "symlink", "contents", "x", ")").bytes(), "nar.tag", "expected 'target'");
        rejects(NarBytes.magic().str("(", "type").str(new byte[] {'r', 0, '\n'}).bytes(), "nar.type", "'r\\x00\\x0a'");
    }

    @Test
    void refusesAnExecutableMarkerWithAValue() {
        rejects(file().str("executable", "yes", "contents", "x", ")").bytes(), "nar.executable", "(at byte offset 96)");
    }

    @Test
    void refusesInvalidNames() {
        for (String name : List.of("", ".", "..", "a/b", "/", "nul\0")) {
            rejects(dir(name), "nar.entry.name", "(at byte offset 128)");
        }
        rejects(dir("x".repeat(256)), "nar.entry.name", "an entry name of 256 bytes is longer than the 255 Nix allows");
        accepts(dir("x".repeat(255)));
        accepts(dir("..."));
        accepts(dir(".hidden"));
    }

    @Test
    void refusesUnsortedAndDuplicateEntries() {
        rejects(dir("b", "a"), "nar.entry.name", "entries are not sorted: 'a' comes after 'b'");
        rejects(dir("a", "a"), "nar.entry.name", "duplicate entry 'a'");
        // Bytes, not UTF-16: U+FF5E (EF BD 9E) sorts before U+1F600 (F0 9F 98 80).
        accepts(dir("A", "a", "\uFF5E", "\uD83D\uDE00"));
        rejects(dir("\uD83D\uDE00", "\uFF5E"), "nar.entry.name", "not sorted");
    }

    @Test
    void refusesBadSymlinkTargets() {
        accepts(link("x".repeat(4095)));
        rejects(link("x".repeat(4096)), "nar.symlink.target", "a symlink target of 4096 bytes is longer than the 4095 Nix allows");
        rejects(link(""), "nar.symlink.target", "empty symlink target (at byte offset 224)");
        rejects(link("a\0b"), "nar.symlink.target", "NUL");
    }

    @Test
    void refusesNodesSixtyFourDirectoriesDeep() {
        accepts(nested(63));
        rejects(nested(64), "nar.depth", "64 directories deep");
    }

    @Test
    void refusesAbsurdLengthsWithoutReadingThem() {
        rejects(file().str("contents").u64(-1).bytes(), "nar.contents", "file length 18446744073709551615 is absurdly large");
        rejects(file().str("contents").u64(Long.MAX_VALUE - 100).bytes(), "nar.contents", "absurdly large");
        rejects(file().str("contents").u64(1L << 40).bytes(), "nar", "truncated");
        rejects(NarBytes.magic().u64(Long.MIN_VALUE).bytes(), "nar.tag", "expected a tag, got a string of 9223372036854775808 bytes");
        rejects(NarBytes.magic().str("(", "type", "directory", "entry", "(", "name").u64(1L << 62).bytes(),
                "nar.entry.name", "longer than the 255");
    }

    private static NarBytes file() {
        return NarBytes.magic().str("(", "type", "regular");
    }

    private static byte[] dir(String... names) {
        NarBytes out = NarBytes.magic().str("(", "type", "directory");
        for (String name : names) {
            out.str("entry", "(", "name", name, "node", "(", "type", "regular", "contents", "", ")", ")");
        }
        return out.str(")").bytes();
    }

    private static byte[] link(String target) {
        return NarBytes.magic().str("(", "type", "directory", "entry", "(", "name", "l", "node")
                .str("(", "type", "symlink", "target").str(target.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .str(")", ")", ")").bytes();
    }

    /** A root directory with a chain of {@code depth} directories below it. */
    private static byte[] nested(int depth) {
        NarBytes out = NarBytes.magic().str("(", "type", "directory");
        for (int i = 0; i < depth; i++) {
            out.str("entry", "(", "name", "d", "node", "(", "type", "directory");
        }
        for (int i = 0; i < depth; i++) {
            out.str(")", ")");
        }
        return out.str(")").bytes();
    }

    private static void accepts(byte[] nar) {
        try {
            assertThat(NarReader.verify(new ByteArrayInputStream(nar)))
                    .isEqualTo(new NarSummary(Hash.sha256(nar), nar.length));
        } catch (IOException | NixFormatException e) {
            throw new AssertionError(e);
        }
    }

    private static AbstractThrowableAssert<?, ?> rejects(byte[] nar, String field, String reasonPart) {
        return assertThatThrownBy(() -> NarReader.verify(new ByteArrayInputStream(nar)))
                .isInstanceOf(NixFormatException.class)
                .satisfies(e -> assertThat(((NixFormatException) e).field()).isEqualTo(field))
                .satisfies(e -> assertThat(((NixFormatException) e).reason()).contains(reasonPart));
    }

    private static InputStream trickle(byte[] bytes) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
    }
}
