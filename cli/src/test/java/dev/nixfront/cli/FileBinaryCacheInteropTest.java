package dev.nixfront.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.compress.CompressionStreams;
import dev.nixfront.nix.io.HashingOutputStream;
import dev.nixfront.nix.nar.NarSummary;
import dev.nixfront.nix.nar.NarWriter;
import dev.nixfront.nix.sign.SecretKey;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decisive test of the formats library: our code alone (NAR writer, zstd, narinfo renderer,
 * Ed25519 signer) writes a {@code file://} binary cache of input-addressed paths, and the real Nix
 * substitutes the whole closure from it with only our key trusted, and refuses it under another key.
 * Nothing Nix computed goes into the cache: only the references, which are a property of the build.
 */
class FileBinaryCacheInteropTest {
    @TempDir
    Path tmp;

    private RealNix nix;

    @BeforeEach
    void findNix() {
        nix = new RealNix(tmp);
    }

    @Test
    void nixSubstitutesACacheOurLibraryAloneWrote() throws Exception {
        String top = buildClosure("nixfront-filecache-" + UUID.randomUUID().toString().substring(0, 8));
        List<StorePath> closure = new ArrayList<>();
        for (String line : nix.run("nix-store", "--query", "--requisites", top).strip().split("\n")) {
            closure.add(StorePath.parse(line));
        }
        assertThat(closure).as("a top path, a dependency with a directory tree, and a leaf").hasSize(3);

        SecretKey key = SecretKey.generate("nixfront-filecache-1", new SecureRandom());
        Path cache = tmp.resolve("cache");
        Files.createDirectories(cache.resolve("nar"));
        Files.writeString(cache.resolve("nix-cache-info"), "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n");
        for (StorePath path : closure) {
            List<StorePath> references = new ArrayList<>();
            for (String ref : nix.run("nix-store", "--query", "--references", path.toString()).strip().split("\n")) {
                if (!ref.isBlank()) {
                    references.add(StorePath.parse(ref));
                }
            }
            NarInfo info = writeNar(path, references, cache);
            Files.writeString(cache.resolve(path.hash() + ".narinfo"), info.sign(key).render());
        }
        String cacheUrl = "file://" + cache;

        Path fresh = tmp.resolve("fresh");
        RealNix.Run accepted = nix.attempt("nix", "copy", "--from", cacheUrl, "--store", fresh.toString(),
                "--option", "trusted-public-keys", key.publicKey().toString(),
                "--option", "narinfo-cache-negative-ttl", "0", top);
        assertThat(accepted.code()).as(accepted.err()).isZero();
        String copied = nix.run("nix", "path-info", "--store", fresh.toString(), "--recursive", top);
        assertThat(copied.lines()).hasSize(3);
        // Nix checked NarHash and NarSize on import; check the content it restored from our NAR too.
        String restored = nix.run("nix", "store", "cat", "--store", fresh.toString(), top);
        assertThat(restored).isEqualTo(nix.run("cat", top));

        SecretKey other = SecretKey.generate("nixfront-other-1", new SecureRandom());
        RealNix.Run refused = nix.attempt("nix", "copy", "--from", cacheUrl, "--store", tmp.resolve("fresh2").toString(),
                "--option", "trusted-public-keys", other.publicKey().toString(),
                "--option", "narinfo-cache-negative-ttl", "0", top);
        assertThat(refused.code()).isNotZero();
        assertThat(refused.err()).contains("lacks a valid signature");
    }

    /** NAR it with our writer, compress with zstd, and describe it the way the server will. */
    private static NarInfo writeNar(StorePath path, List<StorePath> references, Path cache) throws IOException {
        Path staged = Files.createTempFile(cache, "upload", ".nar.zst");
        NarSummary nar;
        Hash fileHash;
        long fileSize;
        try (HashingOutputStream file = new HashingOutputStream(Files.newOutputStream(staged))) {
            try (OutputStream zstd = CompressionStreams.compress(Compression.ZSTD, file, CompressionStreams.DEFAULT_LEVEL)) {
                nar = NarWriter.dumpAndHash(Path.of(path.toString()), zstd);
            }
            fileHash = file.hash();
            fileSize = file.count();
        }
        String url = "nar/" + fileHash.toNix32() + ".nar" + Compression.ZSTD.fileExtension();
        Files.move(staged, cache.resolve(url), StandardCopyOption.ATOMIC_MOVE);
        return NarInfo.builder(path)
                .url(url)
                .compression(Compression.ZSTD)
                .fileHash(fileHash)
                .fileSize(fileSize)
                .narHash(nar.narHash())
                .narSize(nar.narSize())
                .references(references)
                .build();
    }

    /** Three input-addressed paths: a leaf, a directory tree referring to it, and a top referring to both. */
    private String buildClosure(String label) throws IOException, InterruptedException {
        String expression = """
                let
                  leaf = derivation {
                    name = "%1$s-leaf";
                    system = builtins.currentSystem;
                    builder = "/bin/sh";
                    args = [ "-c" "echo %1$s > $out" ];
                  };
                  tree = derivation {
                    name = "%1$s-tree";
                    system = builtins.currentSystem;
                    builder = "/bin/sh";
                    args = [ "-c" ''
                      /bin/mkdir -p $out/bin $out/share/empty-dir
                      printf '#!/bin/sh\\necho hi\\n' > $out/bin/hello
                      /bin/chmod +x $out/bin/hello
                      : > $out/share/empty-file
                      /bin/ln -s ${leaf} $out/share/leaf
                      /bin/ln -s ../bin/hello $out/share/relative
                      /usr/bin/head -c 300000 /dev/zero > $out/share/zeros
                    '' ];
                  };
                in derivation {
                  name = "%1$s-top";
                  system = builtins.currentSystem;
                  builder = "/bin/sh";
                  args = [ "-c" "echo ${tree} ${leaf} > $out; echo $out >> $out" ];
                }
                """.formatted(label);
        return nix.run("nix-build", "--no-out-link", "-E", expression).strip();
    }
}
