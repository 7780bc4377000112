package dev.nixfront.cli.push;

import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import java.nio.file.Path;

/**
 * A path's NAR, compressed into a temporary file, with what the upload and the narinfo need:
 * {@code FileHash}/{@code FileSize} of the file, the path's {@code NarHash}/{@code NarSize}.
 */
record PackedNar(LocalPath path, Path file, Hash fileHash, long fileSize, Compression compression) {}
