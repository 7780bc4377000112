package dev.nixfront.bench.capacity;

import dev.nixfront.nix.nar.NarWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The NAR of a store path that is one regular file, built in memory (tens of thousands of temporary
 * files would cost more than the simulation): the tokens {@code nix-archive-1 ( type regular
 * contents <bytes> )}, each a little-endian u64 length, the bytes and zero padding to 8. {@link
 * #checkAgainstNarWriter} makes sure it is byte for byte what core's {@link NarWriter} writes.
 */
final class TinyNar {
    private TinyNar() {
    }

    static byte[] regularFile(byte[] contents) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + contents.length);
        for (String token : new String[] {"nix-archive-1", "(", "type", "regular", "contents"}) {
            str(out, token.getBytes(StandardCharsets.US_ASCII));
        }
        str(out, contents);
        str(out, ")".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static void str(ByteArrayOutputStream out, byte[] bytes) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(bytes.length).array());
        out.writeBytes(bytes);
        out.writeBytes(new byte[-bytes.length & 7]);
    }

    /** Fails unless {@link #regularFile} equals {@link NarWriter}'s NAR of a file with the same contents. */
    static void checkAgainstNarWriter() throws IOException {
        byte[] contents = "contents of a tiny store path\n".getBytes(StandardCharsets.UTF_8);
        Path file = Files.createTempFile("nixfront-capacity", ".txt");
        try {
            Files.write(file, contents);
            ByteArrayOutputStream written = new ByteArrayOutputStream();
            NarWriter.dump(file, written);
            if (!Arrays.equals(written.toByteArray(), regularFile(contents))) {
                throw new IllegalStateException("TinyNar disagrees with NarWriter");
            }
        } finally {
            Files.delete(file);
        }
    }
}
