package dev.nixfront.nix.nar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.nix.Hash;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NarWriterTest {
    /** Protocol doc, section 6: the NAR of a file holding "hi\n". */
    static final String HI_NAR_HASH = "sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h";

    @TempDir
    Path dir;

    @Test
    void fileHoldingHiHasTheNarFromTheProtocolDoc() throws Exception {
        Path file = dir.resolve("hi");
        new Tree.File("hi\n".getBytes(StandardCharsets.US_ASCII), false).write(file);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NarSummary summary = NarWriter.dumpAndHash(file, out);

        assertThat(out.toByteArray()).hasSize(120).isEqualTo(NarBytes.magic()
                .str("(", "type", "regular", "contents", "hi\n", ")").bytes());
        assertThat(summary).isEqualTo(new NarSummary(Hash.parse(HI_NAR_HASH), 120));
        assertThat(Hash.sha256(out.toByteArray()).toString()).isEqualTo(HI_NAR_HASH);
        assertThat(NarWriter.hash(file)).isEqualTo(summary);

        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        NarWriter.dump(file, plain);
        assertThat(plain.toByteArray()).isEqualTo(out.toByteArray());
    }

    @Test
    void writesExecutablesSymlinksAndSortedDirectories() throws Exception {
        Tree tree = new Tree.Dir(Map.of(
                "b", new Tree.File(new byte[0], true),
                "a", new Tree.Link("/nix/store/eeee-dangling"),
                "\uFF5E", new Tree.File(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, false),
                "\uD83D\uDE00", new Tree.Dir(Map.of()),
                "-x y", new Tree.Link("../b")));
        Path root = dir.resolve("root");
        tree.write(root);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NarWriter.dump(root, out);

        assertThat(out.toByteArray()).isEqualTo(tree.nar());
    }

    @Test
    void symlinkAtTheRootIsArchivedNotFollowed() throws Exception {
        Path target = dir.resolve("target");
        Files.writeString(target, "content");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NarWriter.dump(link, out);

        assertThat(out.toByteArray()).isEqualTo(new Tree.Link(target.toString()).nar());
    }

    @Test
    void fileLargerThanTheBufferIsCopiedWhole() throws Exception {
        byte[] contents = new byte[NarWriter.BUFFER_SIZE * 2 + 13];
        for (int i = 0; i < contents.length; i++) {
            contents[i] = (byte) (i * 31 + (i >>> 11));
        }
        Tree tree = new Tree.Dir(Map.of("big", new Tree.File(contents, false), "small", new Tree.File(new byte[] {7}, true)));
        Path root = dir.resolve("root");
        tree.write(root);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NarSummary summary = NarWriter.dumpAndHash(root, out);

        assertThat(out.toByteArray()).isEqualTo(tree.nar());
        assertThat(summary).isEqualTo(new NarSummary(Hash.sha256(tree.nar()), tree.nar().length));
    }

    @Test
    void refusesSockets() throws Exception {
        Path socket = dir.resolve("sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            assertThatThrownBy(() -> NarWriter.dump(dir, OutputStream.nullOutputStream()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(socket.toString())
                    .hasMessageContaining("socket, FIFO or device");
        }
    }

    @Test
    void refusesFifos() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();

        assertThatThrownBy(() -> NarWriter.hash(fifo))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("socket, FIFO or device");
    }

    @Test
    void refusesNamesItCannotReadBackExactly() throws Exception {
        Process touch = new ProcessBuilder("sh", "-c", "touch \"$(printf 'bad\\377name')\"")
                .directory(dir.toFile()).inheritIO().start();
        assertThat(touch.waitFor()).isZero();

        assertThatThrownBy(() -> NarWriter.hash(dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("file name is not valid")
                .hasMessageContaining("LC_ALL=C.UTF-8");
    }

    @Test
    void refusesTreesNixWouldNotReadBack() throws Exception {
        Path deep = dir.resolve("deep");
        Path p = deep;
        for (int depth = 0; depth < Nar.MAX_DEPTH; depth++) {
            p = p.resolve("d");
        }
        Files.createDirectories(p.getParent());
        // 63 levels below the root is the deepest a NAR may go ...
        assertThat(NarReader.verify(new ByteArrayInputStream(dump(deep))).narSize()).isPositive();

        // ... one more is refused.
        Files.createDirectory(p);
        assertThatThrownBy(() -> NarWriter.hash(deep))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("64 directories deep");
    }

    @Test
    void leavesTheOutputStreamOpen() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public void close() {
                throw new AssertionError("closed");
            }
        };
        NarWriter.dump(file, out);
        assertThat(out.size()).isEqualTo(120);
    }

    private static byte[] dump(Path path) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NarWriter.dump(path, out);
        return out.toByteArray();
    }
}
