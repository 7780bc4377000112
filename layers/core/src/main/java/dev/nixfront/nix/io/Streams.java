package dev.nixfront.nix.io;

import java.io.IOException;
import java.io.InputStream;

/** Small stream helpers shared by the pass-through streams that must see every byte. */
public final class Streams {
    private static final int SCRATCH = 8192;

    private Streams() {}

    /**
     * Skips {@code n} bytes by reading them through {@code in}, so a wrapper that hashes or counts
     * still sees them; {@code InputStream.skip} may let the source seek past them instead.
     * Returns how many were skipped, fewer only at the end of the stream.
     */
    public static long skipByReading(InputStream in, long n) throws IOException {
        byte[] scratch = new byte[(int) Math.max(0, Math.min(n, SCRATCH))];
        long skipped = 0;
        while (skipped < n) {
            int r = in.read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }
}
