package dev.nixfront.nix.io;

import dev.nixfront.nix.Hash;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * Passes bytes through to another stream while taking their SHA-256 and count: an upload learns
 * its {@code FileHash}/{@code FileSize} (or {@code NarHash}/{@code NarSize}) in the same pass that
 * writes it. Not thread-safe.
 */
public final class HashingOutputStream extends FilterOutputStream {
    private final MessageDigest digest = Hash.newDigest();
    private long count;
    private Hash hash;

    public HashingOutputStream(OutputStream out) {
        super(Objects.requireNonNull(out));
    }

    /** A sink that only hashes and counts: for sizing a NAR without storing it. */
    public static HashingOutputStream discarding() {
        return new HashingOutputStream(OutputStream.nullOutputStream());
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        out.write(b);
        digest.update((byte) b);
        count++;
    }

    // FilterOutputStream would write one byte at a time; pass whole chunks on.
    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        out.write(b, off, len);
        digest.update(b, off, len);
        count += len;
    }

    /** Bytes written so far. */
    public long count() {
        return count;
    }

    /**
     * The SHA-256 of everything written. Ends the hashing: later writes throw, so a hash can never
     * silently describe only a prefix of what went through.
     */
    public Hash hash() {
        if (hash == null) {
            hash = Hash.of(digest.digest());
        }
        return hash;
    }

    private void ensureOpen() throws IOException {
        if (hash != null) {
            throw new IOException("write after hash() was taken");
        }
    }
}
