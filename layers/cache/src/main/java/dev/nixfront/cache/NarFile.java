package dev.nixfront.cache;

import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NixFormatException;

/**
 * A NAR file as a client names it, by {@code fileHash}, {@code fileSize} and {@code compression}:
 * in an upload request before the file exists and in a publish request after. Both read it here,
 * with the same rules and error fields; its object keys are {@link Layout}'s.
 */
record NarFile(Hash fileHash, long fileSize, Compression compression) {
    /** S3's largest object, 5 TiB. */
    static final long MAX_SIZE = 5L * 1024 * 1024 * 1024 * 1024;

    /** The file the request fields name; {@code prefix} (e.g. {@code nars[3].}) starts every error field. */
    static NarFile parse(String fileHash, long fileSize, String compression, String prefix) {
        Hash hash;
        try {
            hash = Hash.parse(fileHash);
        } catch (NixFormatException e) {
            throw DomainException.invalid(prefix + "fileHash", e.reason());
        }
        if (fileSize <= 0 || fileSize > MAX_SIZE) {
            throw DomainException.invalid(prefix + "fileSize", "must be between 1 and " + MAX_SIZE + " bytes, got " + fileSize);
        }
        return new NarFile(hash, fileSize, compression(compression, prefix + "compression"));
    }

    private static Compression compression(String text, String field) {
        Compression c;
        try {
            c = Compression.parse(text);
        } catch (NixFormatException e) {
            throw DomainException.invalid(field, e.reason());
        }
        if (!c.supportedForUpload()) {
            throw DomainException.invalid(field, "nixfront accepts none, xz and zstd (it must decompress a NAR to verify it), got " + c);
        }
        return c;
    }
}
