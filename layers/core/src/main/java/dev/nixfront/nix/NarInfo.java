package dev.nixfront.nix;

import dev.nixfront.nix.sign.NarSignature;
import dev.nixfront.nix.sign.PublicKey;
import dev.nixfront.nix.sign.SecretKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * The {@code <hash>.narinfo} file of a binary cache: what a store path is, where its NAR lies, and
 * who signed it. See the package documentation for an example and the field rules.
 *
 * <p>Absent optional fields are {@code null} ({@link #fileHash}, {@link #deriver}, {@link #ca}) or
 * {@code 0} ({@link #fileSize}, as in Nix); the {@code optional...} methods wrap them.
 * {@link #references} and {@link #sigs} are kept sorted and free of duplicates, so two narinfos
 * with the same content are equal and render identically.
 *
 * @param url        where the NAR lies, relative to the cache root, e.g. {@code nar/<nix32>.nar.zst}
 * @param fileSize   size of the (compressed) NAR file, {@code 0} when unknown
 * @param references the store paths this path refers to, possibly itself, in the same store dir
 * @param deriver    the {@code .drv} that built the path, {@code null} when unknown
 * @param sigs       signatures of {@link #fingerprint()}, at most one line each
 * @param ca         content address such as {@code fixed:r:sha256:<nix32>}, {@code null} when none
 */
public record NarInfo(
        StorePath storePath,
        String url,
        Compression compression,
        Hash fileHash,
        long fileSize,
        Hash narHash,
        long narSize,
        List<StorePath> references,
        StorePath deriver,
        List<NarSignature> sigs,
        String ca) {

    /** The media type binary caches serve narinfo files with. */
    public static final String CONTENT_TYPE = "text/x-nix-narinfo";
    /** What Nix writes in the {@code Deriver} field when there is none. */
    public static final String UNKNOWN_DERIVER = "unknown-deriver";

    public NarInfo {
        Objects.requireNonNull(storePath, "storePath");
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(narHash, "narHash");
        Objects.requireNonNull(references, "references");
        Objects.requireNonNull(sigs, "sigs");
        require("URL", urlProblem(url));
        if (fileSize < 0) {
            throw new IllegalArgumentException("FileSize: must not be negative, got " + fileSize);
        }
        if (narSize <= 0) {
            throw new IllegalArgumentException("NarSize: must be a positive integer, got " + narSize);
        }
        TreeSet<StorePath> sortedReferences = new TreeSet<>();
        for (StorePath reference : references) {
            if (!reference.storeDir().equals(storePath.storeDir())) {
                throw new IllegalArgumentException("References: " + reference + " is not in " + storePath.storeDir());
            }
            sortedReferences.add(reference);
        }
        references = List.copyOf(sortedReferences);
        if (deriver != null && !deriver.storeDir().equals(storePath.storeDir())) {
            throw new IllegalArgumentException("Deriver: " + deriver + " is not in " + storePath.storeDir());
        }
        sigs = List.copyOf(new TreeSet<>(sigs));
        if (ca != null) {
            require("CA", caProblem(ca));
        }
    }

    private static void require(String field, String problem) {
        if (problem != null) {
            throw new IllegalArgumentException(field + ": " + problem);
        }
    }

    // ---------------------------------------------------------------- parsing (see NarInfoParser)

    /** Parses narinfo bytes, which must be UTF-8 (Nix treats them as bytes; every valid field is ASCII). */
    public static NarInfo parse(byte[] utf8, String storeDir) throws NixFormatException {
        return NarInfoParser.parse(utf8, storeDir);
    }

    /**
     * Parses a narinfo as Nix does (src/libstore/nar-info.cc), but rejects what Nix would silently
     * misread or what two Nix versions read differently: a missing space after the colon (Nix
     * drops the first character of the value), carriage returns, a last line without {@code \n},
     * and a second occurrence of any field but {@code Sig}. Unknown keys are ignored; a missing or
     * empty {@code Compression} means bzip2; {@code Deriver: unknown-deriver} means none.
     */
    public static NarInfo parse(String text, String storeDir) throws NixFormatException {
        return NarInfoParser.parse(text, storeDir);
    }

    // ---------------------------------------------------------------- rules shared by parse and the constructor

    /** A NAR URL is resolved against the cache root, so it must stay inside it. */
    static String urlProblem(String url) {
        if (url == null || url.isEmpty()) {
            return "must not be empty";
        }
        if (url.charAt(0) == '/') {
            return "must be relative to the cache root, without a leading '/', got " + Text.quote(url);
        }
        for (int i = 0; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '\\') {
                return "must not contain spaces, control characters, backslashes or non-ASCII characters, got "
                        + Text.quote(url);
            }
        }
        int end = url.length();
        for (char stop : new char[] {'?', '#'}) {
            int at = url.indexOf(stop);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        String path = url.substring(0, end);
        int colon = path.indexOf(':');
        int slash = path.indexOf('/');
        if (colon >= 0 && (slash < 0 || colon < slash)) {
            return "must be relative to the cache root, not an absolute URL, got " + Text.quote(url);
        }
        for (String segment : path.split("/", -1)) {
            if (segment.equals("..") || segment.equals(".")) {
                return "must not contain '.' or '..' segments, got " + Text.quote(url);
            }
        }
        return null;
    }

    /**
     * Content addresses as Nix 2.8 and later parse them: {@code text:sha256:<hash>} and
     * {@code fixed:[r:]<md5|sha1|sha256|sha512>:<hash>}, the hash in base16, nix32 or base64.
     */
    static String caProblem(String ca) {
        String rest;
        boolean text = ca.startsWith("text:");
        if (text) {
            rest = ca.substring("text:".length());
        } else if (ca.startsWith("fixed:")) {
            rest = ca.substring("fixed:".length());
            if (rest.startsWith("r:")) {
                rest = rest.substring(2);
            }
        } else {
            return "must start with 'text:' or 'fixed:', got " + Text.quote(ca);
        }
        int colon = rest.indexOf(':');
        if (colon < 0) {
            return "must name a hash algorithm, as in 'fixed:r:sha256:<hash>', got " + Text.quote(ca);
        }
        String algorithm = rest.substring(0, colon);
        String body = rest.substring(colon + 1);
        int size = switch (algorithm) {
            case "md5" -> 16;
            case "sha1" -> 20;
            case "sha256" -> 32;
            case "sha512" -> 64;
            default -> -1;
        };
        if (size < 0) {
            return "unknown hash algorithm " + Text.quote(algorithm) + " (expected md5, sha1, sha256 or sha512) in " + Text.quote(ca);
        }
        if (text && size != 32) {
            return "a 'text:' content address uses sha256, got " + Text.quote(ca);
        }
        if (!HashText.isValid(body, size)) {
            return "the " + algorithm + " hash is not " + (2 * size) + " base16, " + Nix32.encodedLength(size)
                    + " nix32 or " + ((size + 2) / 3 * 4) + " base64 characters: " + Text.quote(ca);
        }
        return null;
    }

    // ---------------------------------------------------------------- rendering and signing

    /** The canonical text: Nix's field order, every line ending in {@code \n}. */
    public String render() {
        StringBuilder out = new StringBuilder(512);
        out.append("StorePath: ").append(storePath).append('\n');
        out.append("URL: ").append(url).append('\n');
        out.append("Compression: ").append(compression.narInfoName()).append('\n');
        if (fileHash != null) {
            out.append("FileHash: ").append(fileHash).append('\n');
        }
        if (fileSize != 0) {
            out.append("FileSize: ").append(fileSize).append('\n');
        }
        out.append("NarHash: ").append(narHash).append('\n');
        out.append("NarSize: ").append(narSize).append('\n');
        out.append("References: ");
        for (int i = 0; i < references.size(); i++) {
            out.append(i == 0 ? "" : " ").append(references.get(i).baseName());
        }
        out.append('\n');
        if (deriver != null) {
            out.append("Deriver: ").append(deriver.baseName()).append('\n');
        }
        for (NarSignature sig : sigs) {
            out.append("Sig: ").append(sig).append('\n');
        }
        if (ca != null) {
            out.append("CA: ").append(ca).append('\n');
        }
        return out.toString();
    }

    /**
     * What a {@code Sig} signs: {@code 1;<store path>;<NarHash>;<NarSize>;<references>}, the
     * references as full paths sorted bytewise and joined by commas. URL, compression, file hash,
     * deriver and CA are not covered.
     */
    public String fingerprint() {
        StringBuilder out = new StringBuilder(256);
        out.append("1;").append(storePath).append(';').append(narHash).append(';').append(narSize).append(';');
        for (int i = 0; i < references.size(); i++) {
            out.append(i == 0 ? "" : ",").append(references.get(i));
        }
        return out.toString();
    }

    /** This narinfo with {@code signature} added (a signature already present is kept once). */
    public NarInfo withSignature(NarSignature signature) {
        List<NarSignature> all = new ArrayList<>(sigs);
        all.add(signature);
        return new NarInfo(storePath, url, compression, fileHash, fileSize, narHash, narSize, references, deriver, all, ca);
    }

    /** This narinfo signed by {@code key}, replacing any earlier signature under the same key name. */
    public NarInfo sign(SecretKey key) {
        List<NarSignature> all = new ArrayList<>();
        for (NarSignature sig : sigs) {
            if (!sig.keyName().equals(key.name())) {
                all.add(sig);
            }
        }
        all.add(key.sign(fingerprint().getBytes(StandardCharsets.UTF_8)));
        return new NarInfo(storePath, url, compression, fileHash, fileSize, narHash, narSize, references, deriver, all, ca);
    }

    /** True when one of {@link #sigs} is by {@code key} and verifies, the test Nix applies to a trusted key. */
    public boolean verifiedBy(PublicKey key) {
        byte[] message = null;
        for (NarSignature sig : sigs) {
            if (sig.keyName().equals(key.name())) {
                if (message == null) {
                    message = fingerprint().getBytes(StandardCharsets.UTF_8);
                }
                if (key.verify(message, sig)) {
                    return true;
                }
            }
        }
        return false;
    }

    public Optional<Hash> optionalFileHash() {
        return Optional.ofNullable(fileHash);
    }

    public OptionalLong optionalFileSize() {
        return fileSize == 0 ? OptionalLong.empty() : OptionalLong.of(fileSize);
    }

    public Optional<StorePath> optionalDeriver() {
        return Optional.ofNullable(deriver);
    }

    public Optional<String> optionalCa() {
        return Optional.ofNullable(ca);
    }

    public NarInfoBuilder toBuilder() {
        return new NarInfoBuilder(storePath).url(url).compression(compression).fileHash(fileHash).fileSize(fileSize)
                .narHash(narHash).narSize(narSize).references(references).deriver(deriver).sigs(sigs).ca(ca);
    }

    public static NarInfoBuilder builder(StorePath storePath) {
        return new NarInfoBuilder(storePath);
    }
}
