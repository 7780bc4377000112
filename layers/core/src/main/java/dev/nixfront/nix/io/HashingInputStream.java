package dev.nixfront.nix.io;

import dev.nixfront.nix.Hash;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * Passes bytes through from another stream while taking the SHA-256 and count of what was read:
 * a verifier checks {@code FileHash}/{@code FileSize} of a download while decompressing it.
 * {@link #skip} reads (and hashes) the bytes it skips; mark/reset is not supported. Not
 * thread-safe.
 */
public final class HashingInputStream extends FilterInputStream {
    private final MessageDigest digest = Hash.newDigest();
    private long count;
    private Hash hash;

    public HashingInputStream(InputStream in) {
        super(Objects.requireNonNull(in));
    }

    @Override
    public int read() throws IOException {
        ensureOpen();
        int b = in.read();
        if (b >= 0) {
            digest.update((byte) b);
            count++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        ensureOpen();
        int n = in.read(b, off, len);
        if (n > 0) {
            digest.update(b, off, n);
            count += n;
        }
        return n;
    }

    // Skipped bytes still belong to the file: hash them instead of letting the source seek.
    @Override
    public long skip(long n) throws IOException {
        return Streams.skipByReading(this, n);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {
        // unsupported: a reset would hash bytes twice
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset is not supported by a hashing stream");
    }

    /** Bytes read so far. */
    public long count() {
        return count;
    }

    /** The SHA-256 of everything read. Ends the hashing: later reads throw. */
    public Hash hash() {
        if (hash == null) {
            hash = Hash.of(digest.digest());
        }
        return hash;
    }

    private void ensureOpen() throws IOException {
        if (hash != null) {
            throw new IOException("read after hash() was taken");
        }
    }
}
