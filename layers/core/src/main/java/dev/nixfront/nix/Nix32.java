package dev.nixfront.nix;

/**
 * Nix's base-32 encoding ("nix32"): the digest read as one little-endian integer, printed most
 * significant digit first, in an alphabet without e, o, u and t.
 */
public final class Nix32 {
    static final String ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz";
    private static final byte[] DIGIT = new byte[128];

    static {
        java.util.Arrays.fill(DIGIT, (byte) -1);
        for (int i = 0; i < ALPHABET.length(); i++) {
            DIGIT[ALPHABET.charAt(i)] = (byte) i;
        }
    }

    private Nix32() {}

    /** Number of nix32 characters for {@code byteLength} bytes: 52 for SHA-256, 32 for a store hash. */
    public static int encodedLength(int byteLength) {
        return byteLength == 0 ? 0 : (byteLength * 8 - 1) / 5 + 1;
    }

    public static String encode(byte[] bytes) {
        int length = encodedLength(bytes.length);
        char[] out = new char[length];
        for (int n = length - 1; n >= 0; n--) {
            int bit = n * 5;
            int i = bit / 8;
            int j = bit % 8;
            int c = (bytes[i] & 0xff) >> j;
            if (i + 1 < bytes.length) {
                c |= (bytes[i + 1] & 0xff) << (8 - j);
            }
            out[length - 1 - n] = ALPHABET.charAt(c & 0x1f);
        }
        return new String(out);
    }

    /**
     * Decodes exactly {@code byteLength} bytes. Rejects a wrong length, characters outside the
     * alphabet and set bits beyond the last byte, as Nix does, so every hash has one spelling.
     */
    public static byte[] decode(String text, int byteLength) throws NixFormatException {
        int length = encodedLength(byteLength);
        if (text.length() != length) {
            throw new NixFormatException("nix32", "expected " + length + " characters, got " + text.length());
        }
        byte[] out = new byte[byteLength];
        for (int n = 0; n < length; n++) {
            char ch = text.charAt(length - 1 - n);
            int digit = ch < 128 ? DIGIT[ch] : -1;
            if (digit < 0) {
                throw new NixFormatException("nix32", "invalid character '" + printable(ch) + "' at position " + (length - 1 - n));
            }
            int bit = n * 5;
            int i = bit / 8;
            int j = bit % 8;
            out[i] |= (byte) (digit << j);
            int carry = digit >> (8 - j);
            if (i + 1 < byteLength) {
                out[i + 1] |= (byte) carry;
            } else if (carry != 0) {
                throw new NixFormatException("nix32", "excess bits set beyond " + byteLength + " bytes");
            }
        }
        return out;
    }

    static String printable(char ch) {
        return ch >= 0x20 && ch < 0x7f ? String.valueOf(ch) : String.format("\\u%04x", (int) ch);
    }
}
