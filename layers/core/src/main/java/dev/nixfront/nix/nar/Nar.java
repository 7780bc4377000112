package dev.nixfront.nix.nar;

import java.nio.charset.StandardCharsets;

/** The tokens and limits of the NAR format, shared by the writer and the reader. */
final class Nar {
    /** Longest entry name: what Linux allows, and what newer Nix enforces when reading. */
    static final int MAX_NAME_LENGTH = 255;
    /** Longest symlink target: PATH_MAX minus the NUL, enforced by newer Nix. */
    static final int MAX_TARGET_LENGTH = 4095;
    /** Nodes may sit at most this many directories below the root, exclusive (root = depth 0). */
    static final int MAX_DEPTH = 64;

    static final String MAGIC = "nix-archive-1";

    private Nar() {}

    /** {@code str(s)}: u64 little-endian length, the bytes, zero padding to a multiple of 8. */
    static byte[] str(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[8 + padded(bytes.length)];
        putLong(out, 0, bytes.length);
        System.arraycopy(bytes, 0, out, 8, bytes.length);
        return out;
    }

    /** Several tokens in a row, so a whole run of fixed tokens is one copy. */
    static byte[] tokens(String... strings) {
        int length = 0;
        for (String s : strings) {
            length += 8 + padded(s.length());
        }
        byte[] out = new byte[length];
        int at = 0;
        for (String s : strings) {
            byte[] token = str(s);
            System.arraycopy(token, 0, out, at, token.length);
            at += token.length;
        }
        return out;
    }

    static int padded(int length) {
        return (length + 7) & ~7;
    }

    static long padding(long length) {
        return -length & 7;
    }

    static void putLong(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }
}
