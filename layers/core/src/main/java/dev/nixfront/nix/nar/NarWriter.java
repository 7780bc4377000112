package dev.nixfront.nix.nar;

import dev.nixfront.nix.Hash;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Serialises a file-system path as a NAR, byte for byte what {@code nix-store --dump PATH} writes:
 * regular files (executable when the owner may execute them), symlinks (never followed, the root
 * included) and directories with their entries sorted by the raw bytes of their names.
 *
 * <p>Memory stays constant whatever the file sizes: contents go through one buffer (a directory's
 * entry names are held while it is written, as Nix does). Anything a NAR cannot represent fails
 * with an {@link IOException} naming the path: sockets, FIFOs and devices, names longer than 255
 * bytes, symlink targets longer than 4095 bytes, trees 64 or more directories deep (limits newer
 * Nix enforces when reading), and names the JVM cannot read back exactly (see {@link #dump}).
 */
public final class NarWriter {
    /** Large enough that a big file costs few system calls and few digest and write calls. */
    static final int BUFFER_SIZE = 1 << 20;

    private static final byte[] MAGIC = Nar.tokens(Nar.MAGIC);
    private static final byte[] REGULAR = Nar.tokens("(", "type", "regular");
    private static final byte[] EXECUTABLE = Nar.tokens("executable", "");
    private static final byte[] CONTENTS = Nar.tokens("contents");
    private static final byte[] SYMLINK = Nar.tokens("(", "type", "symlink", "target");
    private static final byte[] DIRECTORY = Nar.tokens("(", "type", "directory");
    private static final byte[] ENTRY = Nar.tokens("entry", "(", "name");
    private static final byte[] NODE = Nar.tokens("node");
    private static final byte[] CLOSE = Nar.tokens(")");
    private static final byte[] ZEROS = new byte[8];

    /** The JDK decodes file names with this charset; encoding with it gives the raw bytes back. */
    private static final Charset FILE_NAMES = fileNameCharset();

    private final byte[] buf = new byte[BUFFER_SIZE];
    private final ByteBuffer window = ByteBuffer.wrap(buf);
    private final OutputStream out;
    private final MessageDigest digest;
    private int pos;
    private long size;

    private NarWriter(OutputStream out, MessageDigest digest) {
        this.out = out;
        this.digest = digest;
    }

    /**
     * Writes the NAR of {@code path} to {@code out} (which stays open). File names are read
     * through the JVM's file-name encoding ({@code sun.jnu.encoding}, UTF-8 under a UTF-8 locale
     * such as {@code LC_ALL=C.UTF-8}); a name it cannot decode exactly is refused rather than
     * archived under a wrong name.
     */
    public static void dump(Path path, OutputStream out) throws IOException {
        new NarWriter(Objects.requireNonNull(out), null).archive(path);
    }

    /** Writes the NAR of {@code path} to {@code out} and returns its SHA-256 and size. */
    public static NarSummary dumpAndHash(Path path, OutputStream out) throws IOException {
        NarWriter writer = new NarWriter(Objects.requireNonNull(out), Hash.newDigest());
        writer.archive(path);
        return writer.summary();
    }

    /** The NarHash and NarSize of {@code path}, without writing the NAR anywhere. */
    public static NarSummary hash(Path path) throws IOException {
        NarWriter writer = new NarWriter(null, Hash.newDigest());
        writer.archive(path);
        return writer.summary();
    }

    private NarSummary summary() {
        return new NarSummary(Hash.of(digest.digest()), size);
    }

    private void archive(Path path) throws IOException {
        put(MAGIC);
        node(path, attributes(path), 0);
        flush();
        if (out != null) {
            out.flush();
        }
    }

    private void node(Path path, PosixFileAttributes attributes, int depth) throws IOException {
        if (attributes.isRegularFile()) {
            put(REGULAR);
            if (attributes.permissions().contains(PosixFilePermission.OWNER_EXECUTE)) {
                put(EXECUTABLE);
            }
            contents(path, attributes.size());
        } else if (attributes.isSymbolicLink()) {
            put(SYMLINK);
            putString(target(path));
        } else if (attributes.isDirectory()) {
            put(DIRECTORY);
            for (Entry entry : sortedEntries(path, depth + 1)) {
                put(ENTRY);
                putString(entry.name);
                put(NODE);
                node(entry.path, attributes(entry.path), depth + 1);
                put(CLOSE);
            }
        } else {
            throw new IOException("cannot archive '" + path + "': a NAR holds only regular files,"
                    + " directories and symlinks, and this is a socket, FIFO or device");
        }
        put(CLOSE);
    }

    private record Entry(byte[] name, Path path) {}

    private static List<Entry> sortedEntries(Path directory, int depth) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
            for (Path child : stream) {
                if (depth >= Nar.MAX_DEPTH) {
                    throw new IOException("cannot archive '" + child + "': it is " + depth
                            + " directories deep, and Nix reads NARs only up to " + (Nar.MAX_DEPTH - 1));
                }
                entries.add(new Entry(name(child), child));
            }
        }
        // Nix sorts by the raw bytes (std::string order), not by UTF-16 code units.
        entries.sort((a, b) -> Arrays.compareUnsigned(a.name, b.name));
        return entries;
    }

    private static byte[] name(Path child) throws IOException {
        String name = Objects.requireNonNull(child.getFileName(), "a directory entry has a file name").toString();
        byte[] bytes = exactBytes(name, child, "file name");
        if (bytes.length > Nar.MAX_NAME_LENGTH) {
            throw new IOException("cannot archive '" + child + "': its name has " + bytes.length
                    + " bytes, Nix allows at most " + Nar.MAX_NAME_LENGTH);
        }
        return bytes;
    }

    private static byte[] target(Path link) throws IOException {
        byte[] bytes = exactBytes(Files.readSymbolicLink(link).toString(), link, "symlink target");
        if (bytes.length == 0 || bytes.length > Nar.MAX_TARGET_LENGTH) {
            throw new IOException("cannot archive symlink '" + link + "': its target has " + bytes.length
                    + " bytes, Nix allows 1 to " + Nar.MAX_TARGET_LENGTH);
        }
        return bytes;
    }

    // The JDK turns bytes it cannot decode into U+FFFD; archiving that would rename the file.
    private static byte[] exactBytes(String decoded, Path path, String what) throws IOException {
        if (decoded.indexOf('\uFFFD') >= 0) {
            throw new IOException("cannot archive '" + path + "': its " + what + " is not valid in the JVM's"
                    + " file-name encoding (sun.jnu.encoding=" + FILE_NAMES.name() + "), so its exact bytes are"
                    + " unknown; nixfront archives names that are valid UTF-8, run it under a UTF-8 locale"
                    + " such as LC_ALL=C.UTF-8");
        }
        return decoded.getBytes(FILE_NAMES);
    }

    private static PosixFileAttributes attributes(Path path) throws IOException {
        return Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    private void contents(Path path, long length) throws IOException {
        put(CONTENTS);
        putLong(length);
        // NOFOLLOW_LINKS: a file swapped for a symlink since lstat must not pull in another file.
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long left = length;
            while (left > 0) {
                if (pos == buf.length) {
                    flush();
                }
                int want = (int) Math.min(left, buf.length - pos);
                window.limit(pos + want).position(pos);
                int n = channel.read(window);
                if (n < 0) {
                    throw new IOException("cannot archive '" + path + "': it shrank from " + length
                            + " bytes while being read");
                }
                pos += n;
                left -= n;
            }
        }
        putPadding(length);
    }

    private void putString(byte[] bytes) throws IOException {
        putLong(bytes.length);
        put(bytes);
        putPadding(bytes.length);
    }

    private void putPadding(long length) throws IOException {
        int padding = (int) Nar.padding(length);
        if (padding > 0) {
            put(ZEROS, padding);
        }
    }

    private void putLong(long v) throws IOException {
        if (buf.length - pos < 8) {
            flush();
        }
        Nar.putLong(buf, pos, v);
        pos += 8;
    }

    private void put(byte[] bytes) throws IOException {
        put(bytes, bytes.length);
    }

    // Tokens, names and targets are at most a few KiB, far below the buffer size.
    private void put(byte[] bytes, int length) throws IOException {
        if (buf.length - pos < length) {
            flush();
        }
        System.arraycopy(bytes, 0, buf, pos, length);
        pos += length;
    }

    private void flush() throws IOException {
        if (pos == 0) {
            return;
        }
        if (digest != null) {
            digest.update(buf, 0, pos);
        }
        if (out != null) {
            out.write(buf, 0, pos);
        }
        size += pos;
        pos = 0;
    }

    private static Charset fileNameCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
