package dev.nixfront.nix;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A store path, {@code <storeDir>/<hash>-<name>}, e.g.
 * {@code /nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin}. The name follows Nix's
 * rules (src/libstore/path.cc): 1 to 211 characters of {@code [0-9a-zA-Z+-._?=]}, neither
 * {@code .} nor {@code ..}, not starting with {@code .-} or {@code ..-}. Ordered by the bytes of
 * the full path, the order Nix uses for references in a signature fingerprint.
 */
public record StorePath(String storeDir, StorePathHash hash, String name) implements Comparable<StorePath> {
    public static final String DEFAULT_STORE_DIR = "/nix/store";
    public static final int MAX_NAME_LENGTH = 211;

    public StorePath {
        Objects.requireNonNull(hash, "hash");
        String problem = storeDirProblem(storeDir);
        if (problem == null) {
            problem = nameProblem(name);
        }
        if (problem != null) {
            throw new IllegalArgumentException("store path: " + problem);
        }
    }

    /** Parses a full path; the store directory is everything before the last {@code /}. */
    public static StorePath parse(String fullPath) throws NixFormatException {
        if (fullPath == null || fullPath.isEmpty()) {
            throw new NixFormatException("store path", "empty");
        }
        int slash = fullPath.lastIndexOf('/');
        if (slash < 0) {
            throw new NixFormatException("store path", Text.quote(fullPath) + " is not an absolute path");
        }
        String storeDir = fullPath.substring(0, slash);
        String problem = storeDirProblem(storeDir);
        if (problem != null) {
            throw new NixFormatException("store path", Text.quote(fullPath) + ": " + problem);
        }
        return parseBaseName(storeDir, fullPath.substring(slash + 1));
    }

    /** Parses {@code <hash>-<name>} as found in narinfo {@code References} and {@code Deriver}. */
    public static StorePath parseBaseName(String storeDir, String baseName) throws NixFormatException {
        String problem = storeDirProblem(storeDir);
        if (problem != null) {
            throw new NixFormatException("store directory", problem);
        }
        if (baseName == null || baseName.length() < StorePathHash.LENGTH + 2) {
            throw new NixFormatException("store path", (baseName == null ? "missing" : Text.quote(baseName))
                    + " is too short: a store path base name is a 32-character hash, '-' and a name");
        }
        if (baseName.charAt(StorePathHash.LENGTH) != '-') {
            throw new NixFormatException("store path",
                    Text.quote(baseName) + " has no '-' after its 32-character hash part");
        }
        String hashPart = baseName.substring(0, StorePathHash.LENGTH);
        problem = StorePathHash.problem(hashPart);
        if (problem != null) {
            throw new NixFormatException("store path", "hash part " + problem);
        }
        String name = baseName.substring(StorePathHash.LENGTH + 1);
        problem = nameProblem(name);
        if (problem != null) {
            throw new NixFormatException("store path", problem);
        }
        return new StorePath(storeDir, new StorePathHash(hashPart), name);
    }

    /** Checks a name alone, e.g. a derivation's {@code name} before its path exists. */
    public static void checkName(String name) throws NixFormatException {
        String problem = nameProblem(name);
        if (problem != null) {
            throw new NixFormatException("store path name", problem);
        }
    }

    /** {@code <hash>-<name>}, the form narinfo files use for references and the deriver. */
    public String baseName() {
        return hash.value() + "-" + name;
    }

    public boolean isDerivation() {
        return name.endsWith(".drv");
    }

    @Override
    public String toString() {
        return storeDir + "/" + baseName();
    }

    @Override
    public int compareTo(StorePath other) {
        if (storeDir.equals(other.storeDir)) {
            // Base names are ASCII, where UTF-16 order is byte order.
            return baseName().compareTo(other.baseName());
        }
        return Arrays.compareUnsigned(toString().getBytes(StandardCharsets.UTF_8),
                other.toString().getBytes(StandardCharsets.UTF_8));
    }

    static String nameProblem(String name) {
        if (name == null || name.isEmpty()) {
            return "name must not be empty";
        }
        if (name.length() > MAX_NAME_LENGTH) {
            return "name " + Text.quote(name) + " is longer than " + MAX_NAME_LENGTH + " characters";
        }
        if (name.equals(".") || name.equals("..")) {
            return "name " + Text.quote(name) + " is not valid";
        }
        if (name.startsWith(".-") || name.startsWith("..-")) {
            return "name " + Text.quote(name) + " is not valid: its first dash-separated component must not be '.' or '..'";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || c == '+' || c == '-' || c == '.' || c == '_' || c == '?' || c == '=';
            if (!ok) {
                return "name " + Text.quote(name) + " contains illegal character '" + Nix32.printable(c)
                        + "' (allowed: 0-9 a-z A-Z + - . _ ? =)";
            }
        }
        return null;
    }

    /** Nix canonicalises its store directory: absolute, no trailing slash, no empty, . or .. parts. */
    static String storeDirProblem(String storeDir) {
        if (storeDir == null || storeDir.isEmpty()) {
            return "store directory must not be empty";
        }
        if (storeDir.charAt(0) != '/' || storeDir.length() == 1) {
            return "store directory " + Text.quote(storeDir) + " must be an absolute path below /";
        }
        for (int i = 0; i < storeDir.length(); i++) {
            if (Character.isISOControl(storeDir.charAt(i))) {
                return "store directory " + Text.quote(storeDir) + " contains a control character";
            }
        }
        for (String part : storeDir.substring(1).split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return "store directory " + Text.quote(storeDir) + " is not canonical (empty, '.' or '..' component)";
            }
        }
        return null;
    }
}
