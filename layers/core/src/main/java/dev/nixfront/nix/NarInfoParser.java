package dev.nixfront.nix;

import dev.nixfront.nix.sign.NarSignature;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads narinfo text into a {@link NarInfo}; {@link NarInfo#parse(String, String)} is the entry
 * point. Kept apart from the record because the line rules and error messages are most of the
 * code, while the record itself is about what a valid narinfo is.
 */
final class NarInfoParser {
    private NarInfoParser() {}

    /** See {@link NarInfo#parse(byte[], String)}. */
    static NarInfo parse(byte[] utf8, String storeDir) throws NixFormatException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(utf8);
        CharBuffer text;
        try {
            text = decoder.decode(in);
        } catch (CharacterCodingException e) {
            throw new NixFormatException("narinfo", "is not valid UTF-8 (bad byte near offset " + in.position() + ")");
        }
        return parse(text.toString(), storeDir);
    }

    /** See {@link NarInfo#parse(String, String)}, which documents the rules. */
    static NarInfo parse(String text, String storeDir) throws NixFormatException {
        Objects.requireNonNull(text, "text");
        String storeDirProblem = StorePath.storeDirProblem(storeDir);
        if (storeDirProblem != null) {
            throw new NixFormatException("store directory", storeDirProblem);
        }
        Parser p = new Parser(storeDir);
        int pos = 0;
        int line = 1;
        while (pos < text.length()) {
            int eol = text.indexOf('\n', pos);
            String content = text.substring(pos, eol < 0 ? text.length() : eol);
            int cr = content.indexOf('\r');
            if (cr >= 0) {
                throw new NixFormatException("narinfo", "line " + line + " contains a carriage return"
                        + (cr == content.length() - 1 ? " (CRLF line ends are not allowed, use \\n)" : ""));
            }
            if (eol < 0) {
                throw new NixFormatException("narinfo", "line " + line + " does not end with '\\n': " + Text.quote(content));
            }
            int colon = content.indexOf(':');
            if (colon < 0) {
                throw new NixFormatException("narinfo", "line " + line + " is not 'Key: value': " + Text.quote(content));
            }
            String key = content.substring(0, colon);
            if (key.isBlank()) {
                // The key names the field of any later error, and a blank one names nothing.
                throw new NixFormatException("narinfo", "line " + line + " has an empty key: " + Text.quote(content));
            }
            if (colon + 1 >= content.length() || content.charAt(colon + 1) != ' ') {
                throw new NixFormatException(key, "line " + line + ": the separator must be ': ' (colon, space), got "
                        + Text.quote(content));
            }
            p.field(key, content.substring(colon + 2), line);
            pos = eol + 1;
            line++;
        }
        return p.finish();
    }

    /** Accumulates fields line by line; a class so that duplicates can name both lines. */
    private static final class Parser {
        private final String storeDir;
        private final Map<String, Integer> seen = new HashMap<>();
        private StorePath storePath;
        private String url;
        private Compression compression;
        private Hash fileHash;
        private long fileSize;
        private Hash narHash;
        private long narSize;
        private List<StorePath> references = List.of();
        private StorePath deriver;
        private final List<NarSignature> sigs = new ArrayList<>();
        private String ca;

        Parser(String storeDir) {
            this.storeDir = storeDir;
        }

        void field(String key, String value, int line) throws NixFormatException {
            switch (key) {
                case "StorePath" -> {
                    once(key, line);
                    storePath = storePath(value);
                }
                case "URL" -> {
                    once(key, line);
                    String problem = NarInfo.urlProblem(value);
                    if (problem != null) {
                        throw new NixFormatException(key, problem);
                    }
                    url = value;
                }
                case "Compression" -> {
                    once(key, line);
                    compression = value.isEmpty() ? Compression.BZIP2 : Compression.parse(value);
                }
                case "FileHash" -> {
                    once(key, line);
                    fileHash = hash(key, value);
                }
                case "FileSize" -> {
                    once(key, line);
                    fileSize = number(key, value, false);
                }
                case "NarHash" -> {
                    once(key, line);
                    narHash = hash(key, value);
                }
                case "NarSize" -> {
                    once(key, line);
                    narSize = number(key, value, true);
                }
                case "References" -> {
                    once(key, line);
                    references = references(value);
                }
                case "Deriver" -> {
                    once(key, line);
                    deriver = value.equals(NarInfo.UNKNOWN_DERIVER) ? null : baseName(key, value);
                }
                case "Sig" -> {
                    try {
                        sigs.add(NarSignature.parse(value));
                    } catch (NixFormatException e) {
                        throw new NixFormatException(key, e.reason());
                    }
                }
                case "CA" -> {
                    once(key, line);
                    if (!value.isEmpty()) {
                        String problem = NarInfo.caProblem(value);
                        if (problem != null) {
                            throw new NixFormatException(key, problem);
                        }
                        ca = value;
                    }
                }
                default -> {
                    // Unknown keys are ignored, as Nix does, so newer fields do not break older readers.
                }
            }
        }

        private void once(String key, int line) throws NixFormatException {
            Integer first = seen.putIfAbsent(key, line);
            if (first != null) {
                throw new NixFormatException(key, "appears twice, on lines " + first + " and " + line);
            }
        }

        private StorePath storePath(String value) throws NixFormatException {
            StorePath path;
            try {
                path = StorePath.parse(value);
            } catch (NixFormatException e) {
                throw new NixFormatException("StorePath", e.reason());
            }
            if (!path.storeDir().equals(storeDir)) {
                throw new NixFormatException("StorePath", Text.quote(value) + " is not in the store directory " + storeDir);
            }
            return path;
        }

        private StorePath baseName(String key, String value) throws NixFormatException {
            try {
                return StorePath.parseBaseName(storeDir, value);
            } catch (NixFormatException e) {
                throw new NixFormatException(key, e.reason());
            }
        }

        private List<StorePath> references(String value) throws NixFormatException {
            List<StorePath> refs = new ArrayList<>();
            // Nix splits on runs of spaces, so extra spaces are harmless and accepted.
            for (String token : value.split(" ")) {
                if (!token.isEmpty()) {
                    refs.add(baseName("References", token));
                }
            }
            return refs;
        }

        NarInfo finish() throws NixFormatException {
            if (storePath == null) {
                throw new NixFormatException("StorePath", "missing");
            }
            if (narHash == null) {
                throw new NixFormatException("NarHash", "missing");
            }
            if (url == null) {
                throw new NixFormatException("URL", "missing");
            }
            if (!seen.containsKey("NarSize")) {
                throw new NixFormatException("NarSize", "missing");
            }
            return new NarInfo(storePath, url, compression == null ? Compression.BZIP2 : compression, fileHash,
                    fileSize, narHash, narSize, references, deriver, sigs, ca);
        }
    }

    /** Nix's narinfo hashes must name their algorithm; a bare digest is refused. */
    private static Hash hash(String field, String value) throws NixFormatException {
        if (!value.startsWith("sha256:") && !value.startsWith("sha256-")) {
            int sep = value.indexOf(':');
            if (sep > 0 && value.substring(0, sep).chars().allMatch(Character::isLetterOrDigit)) {
                throw new NixFormatException(field, "unsupported hash algorithm " + Text.quote(value.substring(0, sep))
                        + ", only sha256 is used in binary caches");
            }
            throw new NixFormatException(field, "must be 'sha256:' followed by the hash (or SRI 'sha256-...'), got "
                    + Text.quote(value));
        }
        try {
            return Hash.parse(value);
        } catch (NixFormatException e) {
            throw new NixFormatException(field, "is not a valid sha256 hash (" + e.reason() + "): " + Text.quote(value));
        }
    }

    private static long number(String field, String value, boolean positive) throws NixFormatException {
        String expected = positive ? "a positive integer" : "a non-negative integer";
        if (value.isEmpty() || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new NixFormatException(field, "must be " + expected + ", got " + Text.quote(value));
        }
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new NixFormatException(field, "is too large (above 2^63-1): " + Text.quote(value));
        }
        if (positive && n == 0) {
            throw new NixFormatException(field, "must be " + expected + ", got " + Text.quote(value));
        }
        return n;
    }
}
