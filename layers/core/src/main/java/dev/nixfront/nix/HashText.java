package dev.nixfront.nix;

import java.util.Base64;

/** Syntax of a digest of any size in the three encodings Nix prints (for content addresses, which may use md5 to sha512). */
final class HashText {
    private HashText() {}

    static boolean isValid(String body, int size) {
        if (body.length() == 2 * size) {
            return body.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
        }
        if (body.length() == Nix32.encodedLength(size)) {
            try {
                Nix32.decode(body, size);
                return true;
            } catch (NixFormatException e) {
                return false;
            }
        }
        if (body.length() == (size + 2) / 3 * 4) {
            try {
                return Base64.getDecoder().decode(body).length == size;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return false;
    }
}
