package dev.nixfront.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.sign.NarSignature;
import dev.nixfront.nix.sign.PublicKey;
import dev.nixfront.nix.sign.SecretKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our keys and signatures against the real Nix 2.8: keys Nix generates load and sign exactly as
 * Nix signs, and a key from {@code nixfront key generate} signs narinfos Nix accepts.
 */
class NixKeyInteropTest {
    @TempDir
    Path tmp;

    private RealNix nix;

    @BeforeEach
    void findNix() throws IOException {
        nix = new RealNix(Files.createDirectories(tmp.resolve("xdg-cache")));
    }

    @Test
    void keysFromNixLoadAndDeriveNixsPublicKey() throws Exception {
        Path sk = tmp.resolve("sk");
        Path pk = tmp.resolve("pk");
        nix.run("nix-store", "--generate-binary-cache-key", "nix-made-1", sk.toString(), pk.toString());
        SecretKey key = SecretKey.parse(Files.readString(sk));
        assertThat(key.publicKey()).hasToString(Files.readString(pk));
        assertThat(key.toNixFormat()).as("byte-identical key file").isEqualTo(Files.readString(sk));
    }

    @Test
    void nixAndWeSignEveryPathIdentically() throws Exception {
        Path sk = tmp.resolve("sk");
        Path pk = tmp.resolve("pk");
        nix.run("nix-store", "--generate-binary-cache-key", "nix-made-1", sk.toString(), pk.toString());
        SecretKey ours = SecretKey.parse(Files.readString(sk));

        String top = nix.buildPathsWithReferences("sign-identically");
        String store = tmp.resolve("store").toString();
        nix.run("nix", "copy", "--no-check-sigs", "--to", store, top);
        nix.run("nix", "store", "sign", "--store", store, "--key-file", sk.toString(), "--recursive", top);

        List<JsonNode> infos = pathInfos(store, top);
        assertThat(infos).hasSize(2);
        for (JsonNode info : infos) {
            NarInfo narInfo = narInfo(info);
            List<String> nixSigs = new ArrayList<>();
            info.path("signatures").forEach(s -> nixSigs.add(s.asText()));
            assertThat(nixSigs).as("Nix's signatures of %s", narInfo.storePath())
                    .containsExactly(narInfo.sign(ours).sigs().get(0).toString());
            assertThat(narInfo.withSignature(NarSignature.parse(nixSigs.get(0))).verifiedBy(PublicKey.parse(Files.readString(pk))))
                    .isTrue();
        }
        assertThat(infos.stream().map(i -> i.path("references").size())).as("the top path refers to itself and dep")
                .contains(2);
    }

    @Test
    void aKeyFromNixfrontKeyGenerateSignsNarInfosNixAccepts() throws Exception {
        Path sk = tmp.resolve("ours.sk");
        Path pk = tmp.resolve("ours.pk");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), "key", "generate", "nixfront-test-1",
                "--secret-key-file", sk.toString(), "--public-key-file", pk.toString());
        assertThat(code).as(err.toString()).isZero();
        String trusted = Files.readString(pk);
        SecretKey ours = SecretKey.parse(Files.readString(sk));

        String top = nix.buildPathsWithReferences("key-generate");
        String store = tmp.resolve("store").toString();
        nix.run("nix", "copy", "--no-check-sigs", "--to", store, top);
        List<JsonNode> infos = pathInfos(store, top);

        // Nix signs with our secret key file and verifies with our public key file.
        nix.run("nix", "store", "sign", "--store", store, "--key-file", sk.toString(), "--recursive", top);
        nix.run("nix", "store", "verify", "--store", store, "--sigs-needed", "1", "--option", "trusted-public-keys",
                trusted, "--recursive", top);

        // A file:// binary cache whose narinfos only our library wrote and signed: Nix substitutes
        // from it when our key is trusted, and refuses when another key is.
        Path cache = tmp.resolve("cache");
        Files.createDirectories(cache.resolve("nar"));
        Files.writeString(cache.resolve("nix-cache-info"), "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n");
        for (JsonNode info : infos) {
            NarInfo unsigned = narInfo(info);
            Path nar = cache.resolve(unsigned.url());
            Hash dumped = dump(unsigned.storePath(), nar);
            assertThat(dumped).as("nix-store --dump matches path-info's NarHash").isEqualTo(unsigned.narHash());
            NarInfo signed = unsigned.sign(ours);
            Files.writeString(cache.resolve(unsigned.storePath().hash() + ".narinfo"), signed.render());
        }
        String cacheUrl = "file://" + cache;

        RealNix.Run accepted = nix.attempt("nix", "copy", "--from", cacheUrl, "--store", tmp.resolve("fresh").toString(),
                "--option", "trusted-public-keys", trusted, "--option", "narinfo-cache-negative-ttl", "0", top);
        assertThat(accepted.code()).as(accepted.err()).isZero();
        String copied = nix.run("nix", "path-info", "--store", tmp.resolve("fresh").toString(), "--recursive", top);
        assertThat(copied.lines()).hasSize(2).contains(top);

        nix.run("nix-store", "--generate-binary-cache-key", "other-1", tmp.resolve("other.sk").toString(),
                tmp.resolve("other.pk").toString());
        RealNix.Run refused = nix.attempt("nix", "copy", "--from", cacheUrl, "--store", tmp.resolve("fresh2").toString(),
                "--option", "trusted-public-keys", Files.readString(tmp.resolve("other.pk")),
                "--option", "narinfo-cache-negative-ttl", "0", top);
        assertThat(refused.code()).isNotZero();
        assertThat(refused.err()).contains("lacks a valid signature");
    }

    private List<JsonNode> pathInfos(String store, String path) throws IOException, InterruptedException {
        JsonNode json = new ObjectMapper().readTree(nix.run("nix", "path-info", "--json", "--sigs", "--recursive",
                "--store", store, path));
        List<JsonNode> infos = new ArrayList<>();
        json.forEach(infos::add);
        return infos;
    }

    /** An uncompressed narinfo for what `nix path-info --json` says of a path. */
    private static NarInfo narInfo(JsonNode info) throws NixFormatException {
        Hash narHash = Hash.parse(info.path("narHash").asText());
        List<StorePath> references = new ArrayList<>();
        for (JsonNode reference : info.path("references")) {
            references.add(StorePath.parse(reference.asText()));
        }
        long narSize = info.path("narSize").asLong();
        return NarInfo.builder(StorePath.parse(info.path("path").asText()))
                .url("nar/" + narHash.toNix32() + ".nar")
                .compression(Compression.NONE)
                .fileHash(narHash)
                .fileSize(narSize)
                .narHash(narHash)
                .narSize(narSize)
                .references(references)
                .build();
    }

    /** Writes Nix's own NAR of a path to {@code file} and returns its SHA-256. */
    private Hash dump(StorePath path, Path file) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("nix-store", "--dump", path.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        MessageDigest digest = Hash.newDigest();
        try (InputStream in = new DigestInputStream(process.getInputStream(), digest);
                OutputStream to = Files.newOutputStream(file)) {
            in.transferTo(to);
        }
        assertThat(process.waitFor()).isZero();
        return Hash.of(digest.digest());
    }
}
