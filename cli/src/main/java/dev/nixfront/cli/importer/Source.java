package dev.nixfront.cli.importer;

import dev.nixfront.nix.StorePathHash;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * A binary cache to import from, read through the binary cache protocol only: narinfo files by
 * store hash and NAR files by the narinfo's {@code URL}, relative to the cache root.
 */
interface Source {
    /** The source as the user named it, for messages. */
    String describe();

    /**
     * The store hashes of every narinfo, when the source can be listed (a directory); empty when it
     * cannot (HTTP: the protocol has no listing), so the caller needs roots.
     */
    Optional<List<StorePathHash>> list() throws IOException, InterruptedException;

    /** The bytes of {@code <hash>.narinfo}, empty when the source has no such file. */
    Optional<byte[]> narinfo(StorePathHash hash) throws IOException, InterruptedException;

    /** The NAR file at {@code url} (a narinfo's URL, already checked to stay inside the cache root). */
    InputStream open(String url) throws IOException, InterruptedException;

    /** The {@code nix-cache-info} file, empty when the source has none. */
    Optional<String> cacheInfo() throws IOException, InterruptedException;
}
