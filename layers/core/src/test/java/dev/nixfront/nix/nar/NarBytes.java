package dev.nixfront.nix.nar;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds NAR bytes token by token, wrong ones included, for reader tests. */
final class NarBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static NarBytes magic() {
        return new NarBytes().str("nix-archive-1");
    }

    NarBytes str(String... tokens) {
        for (String token : tokens) {
            str(token.getBytes(StandardCharsets.UTF_8));
        }
        return this;
    }

    NarBytes str(byte[] bytes) {
        u64(bytes.length);
        out.writeBytes(bytes);
        out.writeBytes(new byte[(8 - bytes.length % 8) % 8]);
        return this;
    }

    NarBytes u64(long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    NarBytes raw(byte... bytes) {
        out.writeBytes(bytes);
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
