package dev.nixfront.nix.sign;

import dev.nixfront.nix.NixFormatException;
import java.util.Base64;

/**
 * Rules shared by key files and signatures, all spelled {@code <name>:<base64>}.
 *
 * <p>Nix itself takes everything before the first {@code :} as the name and only requires it to be
 * non-empty. nixfront also rejects whitespace and control characters: {@code trusted-public-keys}
 * is a whitespace-separated list, so a key whose name contains a space could never be trusted.
 */
public final class KeyNames {
    private KeyNames() {}

    /** Returns {@code name} if it can name a Nix signing key, e.g. {@code cache.example.org-1}. */
    public static String check(String name) throws NixFormatException {
        String problem = problem(name);
        if (problem != null) {
            throw new NixFormatException("key name", problem);
        }
        return name;
    }

    static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "must not be empty";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == ':') {
                return "must not contain ':' (it separates the name from the key), got " + quote(name);
            }
            if (Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c)) {
                return "must not contain whitespace or control characters, got " + quote(name);
            }
        }
        return null;
    }

    static void requireValid(String name) {
        String problem = problem(name);
        if (problem != null) {
            throw new IllegalArgumentException("key name: " + problem);
        }
    }

    /** The two halves of {@code <name>:<base64>}, decoded; messages never quote the data part. */
    record Parts(String name, byte[] data) {}

    static Parts split(String text, String field, int expectedBytes) throws NixFormatException {
        if (text == null || text.isEmpty()) {
            throw new NixFormatException(field, "empty");
        }
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new NixFormatException(field, "expected '<key name>:<base64>', found no ':'");
        }
        String name = text.substring(0, colon);
        String problem = problem(name);
        if (problem != null) {
            throw new NixFormatException(field, "key name " + problem);
        }
        String body = text.substring(colon + 1);
        byte[] data = decodeCanonicalBase64(body);
        if (data == null) {
            throw new NixFormatException(field, "the part after '" + name + ":' is not padded standard base64");
        }
        if (data.length != expectedBytes) {
            throw new NixFormatException(field, "the part after '" + name + ":' decodes to " + data.length
                    + " bytes, expected " + expectedBytes);
        }
        return new Parts(name, data);
    }

    /** Accepts only the one spelling Nix writes (padded, no line breaks), so a value has one form. */
    private static byte[] decodeCanonicalBase64(String body) {
        byte[] data;
        try {
            data = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return Base64.getEncoder().encodeToString(data).equals(body) ? data : null;
    }

    /** Key files are often written with a final newline by editors and {@code echo}. */
    static String stripTrailingWhitespace(String text) {
        if (text == null) {
            return null;
        }
        int end = text.length();
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end);
    }

    static String quote(String value) {
        StringBuilder out = new StringBuilder("'");
        int end = Math.min(value.length(), 80);
        for (int i = 0; i < end; i++) {
            char c = value.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.append(value.length() > end ? "...'" : "'").toString();
    }
}
