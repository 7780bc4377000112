package dev.nixfront.cache;

import dev.nixfront.api.PathInfo;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Turns a client's {@link PathInfo} into an unsigned {@link NarInfo} with a server-built URL, or a 400 naming the field. */
final class PathInfos {
    /**
     * {@link PathInfo#MAX_REFERENCE_BYTES}, and why it is 200,000. A path's references are one
     * attribute of its index item, and DynamoDB refuses items over 400 KB: without a bound, a path
     * with thousands of references failed with a 500 after its narinfo was written. The bound
     * leaves half the item for the other attributes (together under 2 KB: every other field is
     * bounded by Nix's syntax) and DynamoDB's per-element overhead (one byte, counted here). Verify
     * jobs carry store hashes only and read paths back from these items, so no other message
     * limits references. A byte bound rather than a count, because the byte
     * limit is the real one: 5,000 short references fit where 1,000 of the longest would not.
     */
    static final int MAX_REFERENCE_BYTES = PathInfo.MAX_REFERENCE_BYTES;

    private PathInfos() {}

    /**
     * @param prefix prepended to field names in errors, e.g. {@code paths[3].}
     */
    static NarInfo toNarInfo(PathInfo p, String storeDir, String prefix) {
        if (p == null) {
            throw DomainException.invalid(prefix.isEmpty() ? null : prefix.substring(0, prefix.length() - 1), "must be an object");
        }
        StorePath storePath;
        try {
            storePath = StorePath.parse(p.storePath());
        } catch (NixFormatException e) {
            throw DomainException.invalid(prefix + "storePath", e.reason());
        }
        if (!storePath.storeDir().equals(storeDir)) {
            throw DomainException.invalid(prefix + "storePath", "must be in " + storeDir + ", got " + p.storePath());
        }
        Hash narHash = hash(p.narHash(), prefix + "narHash");
        if (p.narSize() <= 0) {
            throw DomainException.invalid(prefix + "narSize", "must be a positive number of bytes, got " + p.narSize());
        }
        NarFile file = NarFile.parse(p.fileHash(), p.fileSize(), p.compression(), prefix);
        requireReferencesFit(p.references(), prefix + "references");
        List<StorePath> references = new ArrayList<>();
        for (int j = 0; j < p.references().size(); j++) {
            references.add(baseName(p.references().get(j), storeDir, prefix + "references[" + j + "]"));
        }
        StorePath deriver = p.deriver() == null || p.deriver().equals(NarInfo.UNKNOWN_DERIVER)
                ? null : baseName(p.deriver(), storeDir, prefix + "deriver");
        String ca = p.ca() == null || p.ca().isEmpty() ? null : p.ca();
        try {
            return NarInfo.builder(storePath)
                    .url(Layout.narUrl(file.fileHash(), file.compression()))
                    .compression(file.compression())
                    .fileHash(file.fileHash())
                    .fileSize(file.fileSize())
                    .narHash(narHash)
                    .narSize(p.narSize())
                    .references(references)
                    .deriver(deriver)
                    .ca(ca)
                    .build();
        } catch (IllegalArgumentException e) {
            // The remaining rule the constructor checks is the CA syntax; its message starts "CA: ".
            String message = e.getMessage() == null ? "invalid" : e.getMessage();
            String field = message.startsWith("CA: ") ? "ca" : "storePath";
            throw DomainException.invalid(prefix + field, message.replaceFirst("^[A-Za-z]+: ", ""));
        }
    }

    /** Checked before any reference is parsed, so an oversized list costs one pass of additions. */
    private static void requireReferencesFit(List<String> references, String field) {
        long bytes = 0;
        for (String reference : references) {
            // Basenames are ASCII; anything else fails their own validation, so chars count bytes here.
            bytes += (reference == null ? 0 : reference.length()) + 1;
        }
        if (bytes > MAX_REFERENCE_BYTES) {
            throw DomainException.invalid(field, "at most " + MAX_REFERENCE_BYTES + " bytes of references (basenames plus one"
                    + " byte each) per path, got " + references.size() + " references of " + bytes
                    + " bytes: a path's references must fit in its index item");
        }
    }

    private static Hash hash(String text, String field) {
        try {
            return Hash.parse(text);
        } catch (NixFormatException e) {
            throw DomainException.invalid(field, e.reason());
        }
    }

    private static StorePath baseName(String text, String storeDir, String field) {
        try {
            return StorePath.parseBaseName(storeDir, text);
        } catch (NixFormatException e) {
            throw DomainException.invalid(field, e.reason());
        }
    }

    /** A path info as the client sent it, rebuilt from a validated narinfo (for the async job). */
    static PathInfo toPathInfo(NarInfo info) {
        return new PathInfo(info.storePath().toString(), info.narHash().toString(), info.narSize(),
                info.fileHash().toString(), info.fileSize(), info.compression().narInfoName(),
                info.references().stream().map(StorePath::baseName).toList(),
                info.deriver() == null ? null : info.deriver().baseName(), info.ca());
    }

    /**
     * Which field two narinfos of the same store hash differ in, ignoring signatures; null if none.
     * The name is compared too: the index and the narinfo key are by hash alone, so {@code H-bar}
     * offered after {@code H-foo} was published would otherwise answer "published" while Nix, asking
     * for {@code H-bar}, gets a narinfo that names {@code H-foo}.
     */
    static String difference(NarInfo a, NarInfo b) {
        if (!a.storePath().equals(b.storePath())) {
            return "StorePath " + a.storePath() + " (published) vs " + b.storePath();
        }
        if (!a.narHash().equals(b.narHash())) {
            return "NarHash " + a.narHash() + " (published) vs " + b.narHash();
        }
        if (a.narSize() != b.narSize()) {
            return "NarSize " + a.narSize() + " (published) vs " + b.narSize();
        }
        if (!a.references().equals(b.references())) {
            return "References differ";
        }
        // Not URL: the server builds it from FileHash and Compression, and a narinfo published before
        // the NAR keys were sharded names the same file at its unsharded key.
        if (!Objects.equals(a.fileHash(), b.fileHash()) || a.fileSize() != b.fileSize()
                || a.compression() != b.compression()) {
            return "the NAR file (FileHash, FileSize, Compression) differs";
        }
        if (!Objects.equals(a.deriver(), b.deriver())) {
            return "Deriver differs";
        }
        if (!Objects.equals(a.ca(), b.ca())) {
            return "CA differs";
        }
        return null;
    }
}
