package dev.nixfront.nix.nar;

import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NixFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * Walks a NAR from a stream, without holding it in memory, and accepts exactly the canonical form
 * {@code nix-store --dump} writes: the magic, {@code (}, {@code type}, one of {@code regular}
 * ({@code executable ""} optional, then {@code contents}), {@code symlink} or {@code directory}
 * (entries strictly sorted by raw name bytes), {@code )}, every token length-prefixed and
 * zero-padded to 8 bytes, and nothing after the root node.
 *
 * <p>Everything else is a {@link NixFormatException} whose field says what is wrong
 * ({@code nar.magic}, {@code nar.tag}, {@code nar.type}, {@code nar.executable},
 * {@code nar.contents}, {@code nar.padding}, {@code nar.entry.name}, {@code nar.symlink.target},
 * {@code nar.depth}, or {@code nar} for truncation and trailing bytes) and whose reason ends with
 * the byte offset. Limits are those of newer Nix: names of 1 to 255 bytes without {@code /} or
 * NUL and not {@code .} or {@code ..}; symlink targets of 1 to 4095 bytes without NUL (a symlink
 * cannot hold one); nodes fewer than 64 directories deep. Errors of the stream itself stay
 * {@link IOException}s.
 */
public final class NarReader {
    static final int BUFFER_SIZE = 1 << 16;
    /** Longer than every fixed token, so an unexpected long string is refused before it is read. */
    private static final int MAX_TAG_LENGTH = 16;

    private final InputStream in;
    private final NarListener listener;
    private final boolean listening;
    private final MessageDigest digest = Hash.newDigest();
    private final byte[] buf = new byte[BUFFER_SIZE];
    private int pos;
    private int limit;
    /** Offset in the NAR of buf[0]. */
    private long base;
    /** Offset of the token being read, for error messages. */
    private long tokenStart;

    private NarReader(InputStream in, NarListener listener) {
        this.in = Objects.requireNonNull(in, "in");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.listening = listener != NarListener.NONE;
    }

    /** Validates the NAR read from {@code in} up to its end; returns its SHA-256 and size. */
    public static NarSummary verify(InputStream in) throws IOException, NixFormatException {
        return read(in, NarListener.NONE);
    }

    /** As {@link #verify}, telling {@code listener} about every node on the way. */
    public static NarSummary read(InputStream in, NarListener listener) throws IOException, NixFormatException {
        return new NarReader(in, listener).archive();
    }

    private NarSummary archive() throws IOException, NixFormatException {
        tokenStart = 0;
        long length = readLong("the magic");
        if (length != Nar.MAGIC.length()) {
            throw error("nar.magic", "not a NAR: it does not start with the string '" + Nar.MAGIC + "'");
        }
        if (!Arrays.equals(readBytes((int) length, "the magic"), Nar.MAGIC.getBytes(StandardCharsets.US_ASCII))) {
            throw error("nar.magic", "not a NAR: it does not start with the string '" + Nar.MAGIC + "'");
        }
        padding(length);
        node("", 0);
        if (pos == limit && fill() < 0) {
            return new NarSummary(Hash.of(digest.digest()), base + pos);
        }
        tokenStart = base + pos;
        throw error("nar", "trailing bytes after the end of the archive");
    }

    private void node(String path, int depth) throws IOException, NixFormatException {
        expect("(");
        expect("type");
        String type = tag();
        switch (type) {
            case "regular" -> regular(path);
            case "symlink" -> symlink(path);
            case "directory" -> directory(path, depth);
            default -> throw error("nar.type", "unknown file type '" + type + "'");
        }
    }

    private void regular(String path) throws IOException, NixFormatException {
        String tag = tag();
        boolean executable = tag.equals("executable");
        if (executable) {
            if (!tag().isEmpty()) {
                throw error("nar.executable", "the executable marker must be followed by an empty string");
            }
            tag = tag();
        }
        if (!tag.equals("contents")) {
            throw error("nar.tag", "expected " + (executable ? "" : "'executable' or ") + "'contents', got '" + tag + "'");
        }
        tokenStart = base + pos;
        long length = readLong("a file length");
        long contentsOffset = base + pos;
        // Keeps every offset and the NAR size within a signed 64-bit count.
        if (length < 0 || length > Long.MAX_VALUE - 8 - contentsOffset) {
            throw error("nar.contents", "file length " + Long.toUnsignedString(length) + " is absurdly large");
        }
        if (listening) {
            listener.regular(path, executable, length, contentsOffset);
        }
        skip(length);
        padding(length);
        expect(")");
    }

    private void symlink(String path) throws IOException, NixFormatException {
        expect("target");
        byte[] target = string(Nar.MAX_TARGET_LENGTH, "nar.symlink.target", "a symlink target");
        if (target.length == 0) {
            throw error("nar.symlink.target", "empty symlink target");
        }
        if (indexOf(target, (byte) 0) >= 0) {
            throw error("nar.symlink.target", "symlink target contains a NUL byte");
        }
        if (listening) {
            listener.symlink(path, new String(target, StandardCharsets.UTF_8));
        }
        expect(")");
    }

    private void directory(String path, int depth) throws IOException, NixFormatException {
        if (listening) {
            listener.directory(path);
        }
        byte[] previous = null;
        while (true) {
            String tag = tag();
            if (tag.equals(")")) {
                return;
            }
            if (!tag.equals("entry")) {
                throw error("nar.tag", "expected 'entry' or ')', got '" + tag + "'");
            }
            expect("(");
            expect("name");
            byte[] name = string(Nar.MAX_NAME_LENGTH, "nar.entry.name", "an entry name");
            checkName(name);
            if (previous != null) {
                int order = Arrays.compareUnsigned(previous, name);
                if (order == 0) {
                    throw error("nar.entry.name", "duplicate entry '" + printable(name) + "'");
                }
                if (order > 0) {
                    throw error("nar.entry.name", "entries are not sorted: '" + printable(name)
                            + "' comes after '" + printable(previous) + "'");
                }
            }
            previous = name;
            expect("node");
            if (depth + 1 >= Nar.MAX_DEPTH) {
                throw error("nar.depth", "nodes nest " + (depth + 1) + " directories deep, more than Nix's "
                        + (Nar.MAX_DEPTH - 1));
            }
            String child = "";
            if (listening) {
                String decoded = new String(name, StandardCharsets.UTF_8);
                child = path.isEmpty() ? decoded : path + "/" + decoded;
            }
            node(child, depth + 1);
            expect(")");
        }
    }

    private void checkName(byte[] name) throws NixFormatException {
        if (name.length == 0) {
            throw error("nar.entry.name", "empty file name");
        }
        if ((name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.')) {
            throw error("nar.entry.name", "'" + printable(name) + "' is not a valid file name");
        }
        if (indexOf(name, (byte) '/') >= 0) {
            throw error("nar.entry.name", "file name '" + printable(name) + "' contains '/'");
        }
        if (indexOf(name, (byte) 0) >= 0) {
            throw error("nar.entry.name", "file name '" + printable(name) + "' contains a NUL byte");
        }
    }

    private void expect(String expected) throws IOException, NixFormatException {
        String tag = tag();
        if (!tag.equals(expected)) {
            throw error("nar.tag", "expected '" + expected + "', got '" + tag + "'");
        }
    }

    /** Reads a token that must be short: a tag, a type or the executable marker. */
    private String tag() throws IOException, NixFormatException {
        tokenStart = base + pos;
        long length = readLong("a tag");
        if (length < 0 || length > MAX_TAG_LENGTH) {
            throw error("nar.tag", "expected a tag, got a string of " + Long.toUnsignedString(length) + " bytes");
        }
        byte[] bytes = readBytes((int) length, "a tag");
        padding(length);
        // Tags are ASCII; anything else shows up escaped in the error and never matches.
        return printable(bytes);
    }

    private byte[] string(int max, String field, String what) throws IOException, NixFormatException {
        tokenStart = base + pos;
        long length = readLong(what);
        if (length < 0 || length > max) {
            throw error(field, what + " of " + Long.toUnsignedString(length) + " bytes is longer than the "
                    + max + " Nix allows");
        }
        byte[] bytes = readBytes((int) length, what);
        padding(length);
        return bytes;
    }

    private void padding(long length) throws IOException, NixFormatException {
        int padding = (int) Nar.padding(length);
        for (int i = 0; i < padding; i++) {
            if (pos == limit) {
                need("padding");
            }
            if (buf[pos] != 0) {
                tokenStart = base + pos;
                throw error("nar.padding", "non-zero padding byte");
            }
            pos++;
        }
    }

    private long readLong(String what) throws IOException, NixFormatException {
        long v = 0;
        if (limit - pos >= 8) {
            for (int i = 0; i < 8; i++) {
                v |= (buf[pos + i] & 0xffL) << (8 * i);
            }
            pos += 8;
            return v;
        }
        for (int i = 0; i < 8; i++) {
            if (pos == limit) {
                need(what);
            }
            v |= (buf[pos++] & 0xffL) << (8 * i);
        }
        return v;
    }

    private byte[] readBytes(int length, String what) throws IOException, NixFormatException {
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            if (pos == limit) {
                need(what);
            }
            int n = Math.min(limit - pos, length - done);
            System.arraycopy(buf, pos, out, done, n);
            pos += n;
            done += n;
        }
        return out;
    }

    private void skip(long length) throws IOException, NixFormatException {
        long left = length;
        while (left > 0) {
            if (pos == limit) {
                need("file contents");
            }
            int n = (int) Math.min(limit - pos, left);
            pos += n;
            left -= n;
        }
    }

    private void need(String what) throws IOException, NixFormatException {
        if (fill() < 0) {
            throw new NixFormatException("nar", "truncated: the input ends at byte offset " + (base + pos)
                    + " in the middle of " + what);
        }
    }

    /** Refills the empty buffer; hashes what comes in. Returns -1 at the end of the input. */
    private int fill() throws IOException {
        base += limit;
        pos = 0;
        limit = 0;
        int n;
        do {
            n = in.read(buf, 0, buf.length);
        } while (n == 0);
        if (n > 0) {
            digest.update(buf, 0, n);
            limit = n;
        }
        return n;
    }

    private NixFormatException error(String field, String reason) {
        return new NixFormatException(field, reason + " (at byte offset " + tokenStart + ")");
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** ASCII as is, everything else as \xNN, so errors never carry control bytes. */
    static String printable(byte[] bytes) {
        StringBuilder s = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            if (b >= 0x20 && b < 0x7f && b != '\\') {
                s.append((char) b);
            } else {
                s.append(String.format("\\x%02x", b & 0xff));
            }
        }
        return s.toString();
    }
}
