package dev.nixfront.cli.push;

import dev.nixfront.api.BuildLog;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.StorePath;
import java.nio.file.Path;

/**
 * A build log ready to upload: the text Nix kept for {@code deriver}, compressed with zstd into
 * {@code file}, named for the cache by {@code path}, a pushed path that deriver built.
 *
 * @param size bytes of log text, what the server checks the file decompresses to
 */
record PackedLog(StorePath path, StorePath deriver, Path file, Hash fileHash, long fileSize, long size) {
    BuildLog wire() {
        return new BuildLog(path.toString(), fileHash.toString(), fileSize, "zstd", size);
    }
}
