package dev.nixfront.nix;

/**
 * The 32-character nix32 hash part of a store path ({@code syd87l2rxw8cbsxmxl853h0r6pdwhwjr} in
 * {@code /nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin}): 20 bytes, and the name of
 * the path's {@code .narinfo} in a binary cache.
 */
public record StorePathHash(String value) implements Comparable<StorePathHash> {
    /** Characters in a hash part. */
    public static final int LENGTH = 32;
    /** Bytes a hash part encodes (32 nix32 digits are exactly 160 bits, so no excess bits exist). */
    public static final int BYTES = 20;

    public StorePathHash {
        String problem = problem(value);
        if (problem != null) {
            throw new IllegalArgumentException("store path hash: " + problem);
        }
    }

    public static StorePathHash parse(String text) throws NixFormatException {
        String problem = problem(text);
        if (problem != null) {
            throw new NixFormatException("store path hash", problem);
        }
        return new StorePathHash(text);
    }

    /** The hash part for 20 raw bytes, e.g. a truncated, folded SHA-256 when computing a path. */
    public static StorePathHash of(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a store path hash has 20 bytes, not " + bytes.length);
        }
        return new StorePathHash(Nix32.encode(bytes));
    }

    public byte[] bytes() {
        try {
            return Nix32.decode(value, BYTES);
        } catch (NixFormatException e) {
            throw new IllegalStateException("validated in the constructor", e);
        }
    }

    static String problem(String text) {
        if (text == null) {
            return "missing";
        }
        if (text.length() != LENGTH) {
            return "must be " + LENGTH + " nix32 characters, got " + text.length() + " in " + Text.quote(text);
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = text.charAt(i);
            if (Nix32.ALPHABET.indexOf(c) < 0) {
                return "invalid nix32 character '" + Nix32.printable(c) + "' at position " + i + " of " + Text.quote(text)
                        + " (the alphabet is " + Nix32.ALPHABET + ")";
            }
        }
        return null;
    }

    @Override
    public int compareTo(StorePathHash other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
