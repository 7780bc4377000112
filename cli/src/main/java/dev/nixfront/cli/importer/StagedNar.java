package dev.nixfront.cli.importer;

import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import java.nio.file.Path;

/** A NAR file verified against its source narinfo and waiting on disk to be uploaded as it is. */
record StagedNar(Path file, Hash fileHash, long fileSize, Compression compression) {
}
