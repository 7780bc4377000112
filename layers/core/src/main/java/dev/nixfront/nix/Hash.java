package dev.nixfront.nix;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * A SHA-256 digest as Nix writes it. Parses {@code sha256:} followed by base16 (64), nix32 (52)
 * or base64 (44 characters), SRI {@code sha256-<base64>}, and the same without the prefix; prints
 * {@code sha256:<nix32>}, the form narinfo files and fingerprints use.
 */
public final class Hash {
    public static final int SIZE = 32;
    private static final String PREFIX = "sha256:";
    private static final String SRI_PREFIX = "sha256-";

    private final byte[] digest;

    private Hash(byte[] digest) {
        this.digest = digest;
    }

    /** Wraps a 32-byte SHA-256 digest (copied). */
    public static Hash of(byte[] digest) {
        if (digest.length != SIZE) {
            throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, not " + digest.length);
        }
        return new Hash(digest.clone());
    }

    public static Hash sha256(byte[] data) {
        return new Hash(newDigest().digest(data));
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Parses any form Nix accepts for a SHA-256; see the class comment. */
    public static Hash parse(String text) throws NixFormatException {
        if (text == null || text.isEmpty()) {
            throw new NixFormatException("hash", "empty");
        }
        if (text.startsWith(SRI_PREFIX)) {
            return decodeBase64(text.substring(SRI_PREFIX.length()));
        }
        String body = text;
        int colon = text.indexOf(':');
        if (colon >= 0) {
            if (!text.startsWith(PREFIX)) {
                throw new NixFormatException("hash", "unsupported algorithm '" + text.substring(0, colon) + "', only sha256");
            }
            body = text.substring(PREFIX.length());
        }
        return switch (body.length()) {
            case 64 -> decodeBase16(body);
            case 52 -> decodeNix32(body);
            case 44 -> decodeBase64(body);
            default -> throw new NixFormatException("hash",
                    "a sha256 is 64 base16, 52 nix32 or 44 base64 characters, got " + body.length());
        };
    }

    private static Hash decodeNix32(String body) throws NixFormatException {
        try {
            return new Hash(Nix32.decode(body, SIZE));
        } catch (NixFormatException e) {
            throw new NixFormatException("hash", e.reason());
        }
    }

    private static Hash decodeBase16(String body) throws NixFormatException {
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                throw new NixFormatException("hash", "invalid base16 character '" + Nix32.printable(c) + "'");
            }
        }
        return new Hash(HexFormat.of().parseHex(body));
    }

    private static Hash decodeBase64(String body) throws NixFormatException {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new NixFormatException("hash", "invalid base64: " + e.getMessage());
        }
        if (bytes.length != SIZE || !Base64.getEncoder().encodeToString(bytes).equals(body)) {
            throw new NixFormatException("hash", "base64 does not encode exactly 32 bytes");
        }
        return new Hash(bytes);
    }

    public byte[] bytes() {
        return digest.clone();
    }

    public String toBase16() {
        return HexFormat.of().formatHex(digest);
    }

    public String toNix32() {
        return Nix32.encode(digest);
    }

    public String toBase64() {
        return Base64.getEncoder().encodeToString(digest);
    }

    public String toSri() {
        return SRI_PREFIX + toBase64();
    }

    /** {@code sha256:<nix32>}: how narinfo and fingerprints spell a hash. */
    @Override
    public String toString() {
        return PREFIX + toNix32();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Hash h && MessageDigest.isEqual(digest, h.digest);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(digest);
    }
}
