package dev.nixfront.nix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.nix.sign.NarSignature;
import dev.nixfront.nix.sign.PublicKey;
import dev.nixfront.nix.sign.SecretKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class NarInfoTest {
    static final String CACHE_NIXOS_ORG_KEY = "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=";

    /**
     * The signed fields of cache.nixos.org's narinfo for curl-7.82.0-bin. URL, FileHash, FileSize
     * and Deriver are not signed: the values here stand in for the real file's.
     */
    static final String CURL = """
            StorePath: /nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin
            URL: nar/0x8mqlh7b1p6hnvcmbdnqi6vs0lhkfw0yg0zc5aj4n1pvd5hy0mc.nar.xz
            Compression: xz
            FileHash: sha256:0x8mqlh7b1p6hnvcmbdnqi6vs0lhkfw0yg0zc5aj4n1pvd5hy0mc
            FileSize: 61732
            NarHash: sha256:1b4sb93wp679q4zx9k1ignby1yna3z7c4c2ri3wphylbc2dwsys0
            NarSize: 196040
            References: 0jqd0rlxzra1rs38rdxl43yh6rxchgc6-curl-7.82.0 6w8g7njm4mck5dmjxws0z1xnrxvl81xa-glibc-2.34-115 j5jxw3iy7bbz4a57fh9g2xm2gxmyal8h-zlib-1.2.12 yxvjs9drzsphm9pcf42a4byzj1kb9m7k-openssl-1.1.1n
            Deriver: 1a6b6jcy1lr2qm7jmjyd0d3gwd5fvbnh-curl-7.82.0.drv
            Sig: cache.nixos.org-1:TsTTb3WGTZKphvYdBHXwo6weVILmTytUjLB+vcX89fOjjRicCHmKA4RCPMVLkj6TMJ4GMX3HPVWRdD1hkeKZBQ==
            """;

    /** The example of the package documentation; hello refers to itself. */
    static final String HELLO = """
            StorePath: /nix/store/w9yy7v61ipb5rx6i35zq1mvc2iqfmps1-hello-2.10
            URL: nar/1mi14cqk363wv368ffiiy01knardmnlyphi6h9xv6dkjz44hk30i.nar
            Compression: none
            FileHash: sha256:1mi14cqk363wv368ffiiy01knardmnlyphi6h9xv6dkjz44hk30i
            FileSize: 205968
            NarHash: sha256:1mi14cqk363wv368ffiiy01knardmnlyphi6h9xv6dkjz44hk30i
            NarSize: 205968
            References: 9df65igwjmf2wbw0gbrrgair6piqjgmi-glibc-2.31 w9yy7v61ipb5rx6i35zq1mvc2iqfmps1-hello-2.10
            Sig: cache.nixos.org-1:uP5KU8MCmyRnKGlN5oEv6xWJBI5EO/Pf5aFztZuLSz8BpCcZ1fdBnJkVXhBAlxkdm/CemsgQskhwvyd2yghTAg==
            """;

    /** Built from Nix's signing test vector (src/libstore-tests/realisation.cc). */
    static final String HI = """
            StorePath: /nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi
            URL: nar/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar
            Compression: none
            NarHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h
            NarSize: 120
            References: ffffffffffffffffffffffffffffffff-dep
            """;

    static NarInfo parse(String text) throws NixFormatException {
        return NarInfo.parse(text, StorePath.DEFAULT_STORE_DIR);
    }

    @Test
    void parsesEveryField() throws NixFormatException {
        NarInfo info = parse(CURL);
        assertThat(info.storePath()).hasToString("/nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin");
        assertThat(info.url()).isEqualTo("nar/0x8mqlh7b1p6hnvcmbdnqi6vs0lhkfw0yg0zc5aj4n1pvd5hy0mc.nar.xz");
        assertThat(info.compression()).isEqualTo(Compression.XZ);
        assertThat(info.fileHash()).hasToString("sha256:0x8mqlh7b1p6hnvcmbdnqi6vs0lhkfw0yg0zc5aj4n1pvd5hy0mc");
        assertThat(info.fileSize()).isEqualTo(61732);
        assertThat(info.narHash()).hasToString("sha256:1b4sb93wp679q4zx9k1ignby1yna3z7c4c2ri3wphylbc2dwsys0");
        assertThat(info.narSize()).isEqualTo(196040);
        assertThat(info.references()).extracting(StorePath::name)
                .containsExactly("curl-7.82.0", "glibc-2.34-115", "zlib-1.2.12", "openssl-1.1.1n");
        assertThat(info.deriver()).hasToString("/nix/store/1a6b6jcy1lr2qm7jmjyd0d3gwd5fvbnh-curl-7.82.0.drv");
        assertThat(info.sigs()).extracting(NarSignature::keyName).containsExactly("cache.nixos.org-1");
        assertThat(info.ca()).isNull();
        assertThat(info.optionalCa()).isEmpty();
        assertThat(info.optionalDeriver()).contains(info.deriver());
        assertThat(info.render()).isEqualTo(CURL);
        assertThat(NarInfo.parse(CURL.getBytes(StandardCharsets.UTF_8), "/nix/store")).isEqualTo(info);
    }

    @Test
    void cacheNixosOrgSignaturesVerify() throws NixFormatException {
        PublicKey key = PublicKey.parse(CACHE_NIXOS_ORG_KEY);
        assertThat(parse(CURL).verifiedBy(key)).isTrue();
        assertThat(parse(HELLO).verifiedBy(key)).isTrue();
    }

    @Test
    void theFingerprintIsNixs() throws NixFormatException {
        assertThat(parse(HELLO).fingerprint()).isEqualTo("1;/nix/store/w9yy7v61ipb5rx6i35zq1mvc2iqfmps1-hello-2.10;"
                + "sha256:1mi14cqk363wv368ffiiy01knardmnlyphi6h9xv6dkjz44hk30i;205968;"
                + "/nix/store/9df65igwjmf2wbw0gbrrgair6piqjgmi-glibc-2.31,/nix/store/w9yy7v61ipb5rx6i35zq1mvc2iqfmps1-hello-2.10");
        assertThat(parse(HI.replace("References: ffffffffffffffffffffffffffffffff-dep", "References: ")).fingerprint())
                .isEqualTo("1;/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi;sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h;120;");
    }

    @Test
    void alteringASignedFieldBreaksTheSignature() throws NixFormatException {
        PublicKey key = PublicKey.parse(CACHE_NIXOS_ORG_KEY);
        List<String[]> signedChanges = List.of(
                new String[] {"syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin", "syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.1-bin"},
                new String[] {"syd87l2rxw8cbsxmxl853h0r6pdwhwjr", "syd87l2rxw8cbsxmxl853h0r6pdwhwjs"},
                new String[] {"NarHash: sha256:1b4sb93wp679q4zx9k1ignby1yna3z7c4c2ri3wphylbc2dwsys0",
                        "NarHash: sha256:1b4sb93wp679q4zx9k1ignby1yna3z7c4c2ri3wphylbc2dwsys1"},
                new String[] {"NarSize: 196040", "NarSize: 196041"},
                new String[] {" j5jxw3iy7bbz4a57fh9g2xm2gxmyal8h-zlib-1.2.12", ""},
                new String[] {"References: ", "References: syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin "});
        for (String[] change : signedChanges) {
            assertThat(CURL).contains(change[0]);
            assertThat(parse(CURL.replace(change[0], change[1])).verifiedBy(key)).as(change[1]).isFalse();
        }
        // Not signed: a cache may recompress a NAR and keep the signature.
        NarInfo recompressed = parse(CURL).toBuilder().url("nar/x.nar.zst").compression(Compression.ZSTD).fileHash(null)
                .fileSize(0).deriver(null).build();
        assertThat(recompressed.verifiedBy(key)).isTrue();
        // The key name must match too.
        assertThat(parse(CURL.replace("Sig: cache.nixos.org-1:", "Sig: cache.nixos.org-2:")).verifiedBy(key)).isFalse();
    }

    @Test
    void signsWithNixsTestKeyByteForByte() throws NixFormatException {
        SecretKey key = SecretKey.parse(
                "test-key:tU7tTvLcScf8pmz/eTV0BEtLmRsPpZfKaRcd0nCN+pysBZPHSeg61/u2oc7mIOewfuAY1V1BiX32homTaDJ2Jw==");
        NarInfo signed = parse(HI).sign(key);
        assertThat(signed.render()).endsWith("References: ffffffffffffffffffffffffffffffff-dep\n"
                + "Sig: test-key:+ukqC/zDnRc1Yuytc4zjBQq65mn8bGTikREAMRGDFq4W7/jf2gPIX4X/FJlCA4FZGhUVUc41lpsATfyXwpiFAA==\n");
        assertThat(signed.verifiedBy(key.publicKey())).isTrue();
        assertThat(signed.sign(key)).as("signing again replaces, not adds").isEqualTo(signed);
        SecretKey other = SecretKey.fromSeed("other-1", new byte[32]);
        NarInfo twice = signed.sign(other);
        assertThat(twice.sigs()).extracting(NarSignature::keyName).containsExactly("other-1", "test-key");
        assertThat(twice.verifiedBy(key.publicKey())).isTrue();
        assertThat(twice.verifiedBy(other.publicKey())).isTrue();
        assertThat(parse(HI).verifiedBy(key.publicKey())).isFalse();
        assertThat(parse(HI).withSignature(signed.sigs().get(0))).isEqualTo(signed);
    }

    @Test
    void rendersCanonicallyWhateverTheInputOrder() throws NixFormatException {
        String messy = """
                Sig: test-key:+ukqC/zDnRc1Yuytc4zjBQq65mn8bGTikREAMRGDFq4W7/jf2gPIX4X/FJlCA4FZGhUVUc41lpsATfyXwpiFAA==
                NarSize: 120
                References: ffffffffffffffffffffffffffffffff-dep  0123456789abcdfghijklmnpqrsvwxyz-hi ffffffffffffffffffffffffffffffff-dep
                X-Unknown: ignored
                Deriver: unknown-deriver
                NarHash: sha256-EFUdrtf6Rn0LWIJufrmg8q99aT3jGfLvd1//zaJEufY=
                CA: fixed:r:sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h
                StorePath: /nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi
                Sig: test-key:+ukqC/zDnRc1Yuytc4zjBQq65mn8bGTikREAMRGDFq4W7/jf2gPIX4X/FJlCA4FZGhUVUc41lpsATfyXwpiFAA==
                URL: nar/a.nar
                """;
        assertThat(parse(messy).render()).isEqualTo("""
                StorePath: /nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi
                URL: nar/a.nar
                Compression: bzip2
                NarHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h
                NarSize: 120
                References: 0123456789abcdfghijklmnpqrsvwxyz-hi ffffffffffffffffffffffffffffffff-dep
                Sig: test-key:+ukqC/zDnRc1Yuytc4zjBQq65mn8bGTikREAMRGDFq4W7/jf2gPIX4X/FJlCA4FZGhUVUc41lpsATfyXwpiFAA==
                CA: fixed:r:sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h
                """);
    }

    @Test
    void keepsTheSpaceOfEmptyReferencesAndReadsNixsDefaults() throws NixFormatException {
        NarInfo info = parse(HI.replace("References: ffffffffffffffffffffffffffffffff-dep\n", "References: \n")
                .replace("Compression: none\n", "Compression: \n") + "CA: \n");
        assertThat(info.references()).isEmpty();
        assertThat(info.compression()).as("empty Compression").isEqualTo(Compression.BZIP2);
        assertThat(info.ca()).as("empty CA").isNull();
        assertThat(info.render()).contains("\nReferences: \n").doesNotContain("CA:").doesNotContain("FileSize");
        assertThat(parse(HI.replace("References: ffffffffffffffffffffffffffffffff-dep\n", "")).references())
                .as("References may be left out").isEmpty();
        assertThat(parse(HI.replace("Compression: none\n", "")).compression()).isEqualTo(Compression.BZIP2);
        assertThat(parse(HI + "FileSize: 0\n").optionalFileSize()).isEmpty();
        assertThat(parse(HI + "FileSize: 007\n").fileSize()).isEqualTo(7);
    }

    @Test
    void acceptsEveryContentAddressFormNix28Reads() throws NixFormatException {
        for (String ca : new String[] {
                "text:sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h",
                "fixed:sha256:10551daed7fa467d0b58826e7eb9a0f2af7d693de319f2ef775fffcda244b9f6",
                "fixed:r:sha256:EFUdrtf6Rn0LWIJufrmg8q99aT3jGfLvd1//zaJEufY=",
                "fixed:sha1:vw46m23bizj4n8afrc0fj19wrp7mj3c0",
                "fixed:md5:d41d8cd98f00b204e9800998ecf8427e",
                "fixed:r:sha512:" + "0".repeat(103)}) {
            assertThat(parse(HI + "CA: " + ca + "\n").ca()).isEqualTo(ca);
        }
    }

    @Test
    void namesTheFieldAndTheReasonOfEveryProblem() {
        String hi = HI;
        assertError("", "StorePath", "missing");
        assertError(hi.replace("NarSize: 120", "NarSize: -1"), "NarSize", "must be a positive integer, got '-1'");
        assertError(hi.replace("NarSize: 120", "NarSize: 0"), "NarSize", "must be a positive integer, got '0'");
        assertError(hi.replace("NarSize: 120", "NarSize: 99999999999999999999"), "NarSize",
                "is too large (above 2^63-1): '99999999999999999999'");
        assertError(hi.replace("NarSize: 120", "NarSize: 12 "), "NarSize", "must be a positive integer, got '12 '");
        assertError(hi.replace("NarSize: 120", "NarSize:120"), "NarSize",
                "line 5: the separator must be ': ' (colon, space), got 'NarSize:120'");
        assertError(hi.replace("References: ffffffffffffffffffffffffffffffff-dep", "References:"), "References",
                "line 6: the separator must be ': ' (colon, space), got 'References:'");
        assertError(hi + "FileSize: 1.5\n", "FileSize", "must be a non-negative integer, got '1.5'");
        assertError(hi.replace("\n", "\r\n"), "narinfo",
                "line 1 contains a carriage return (CRLF line ends are not allowed, use \\n)");
        assertError(hi.substring(0, hi.length() - 1), "narinfo",
                "line 6 does not end with '\\n': 'References: ffffffffffffffffffffffffffffffff-dep'");
        assertError(hi + "\n", "narinfo", "line 7 is not 'Key: value': ''");
        assertError(hi + ": value\n", "narinfo", "line 7 has an empty key: ': value'");
        // Found by NarInfoProperties with a random seed: a key of blanks named the error's field " ".
        assertError(hi + " :x\n", "narinfo", "line 7 has an empty key: ' :x'");
        assertError(hi + "NarSize: 121\n", "NarSize", "appears twice, on lines 5 and 7");
        assertError(hi + "References: \n", "References", "appears twice, on lines 6 and 7");
        assertError(hi.replace("StorePath: /nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi\n", ""), "StorePath", "missing");
        assertError(hi.replace("NarHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h\n", ""), "NarHash", "missing");
        assertError(hi.replace("URL: nar/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar\n", ""), "URL", "missing");
        assertError(hi.replace("NarSize: 120\n", ""), "NarSize", "missing");
        assertError(hi.replace("/nix/store/0123", "/gnu/store/0123"), "StorePath",
                "'/gnu/store/0123456789abcdfghijklmnpqrsvwxyz-hi' is not in the store directory /nix/store");
        assertError(hi.replace("-hi\n", "-h i\n"), "StorePath",
                "name 'h i' contains illegal character ' ' (allowed: 0-9 a-z A-Z + - . _ ? =)");
        assertError(hi.replace("URL: nar/", "URL: /nar/"), "URL",
                "must be relative to the cache root, without a leading '/', got '/nar/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar'");
        assertError(hi.replace("URL: nar/", "URL: https://cache.example/nar/"), "URL",
                "must be relative to the cache root, not an absolute URL, got 'https://cache.example/nar/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar'");
        assertError(hi.replace("URL: nar/", "URL: nar/../../"), "URL",
                "must not contain '.' or '..' segments, got 'nar/../../1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar'");
        assertError(hi.replace("URL: nar/", "URL: nar/ "), "URL",
                "must not contain spaces, control characters, backslashes or non-ASCII characters, got 'nar/ 1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar'");
        assertError(hi.replace("URL: nar/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar", "URL: "), "URL", "must not be empty");
        assertError(hi.replace("Compression: none", "Compression: lzma"), "Compression",
                "unknown compression 'lzma', expected one of none, xz, zstd, bzip2, gzip, br, lz4, lzip");
        assertError(hi.replace("Compression: none", "Compression: XZ"), "Compression",
                "unknown compression 'XZ', expected one of none, xz, zstd, bzip2, gzip, br, lz4, lzip");
        assertError(hi.replace("NarHash: sha256:", "NarHash: "), "NarHash",
                "must be 'sha256:' followed by the hash (or SRI 'sha256-...'), got '1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h'");
        assertError(hi.replace("NarHash: sha256:", "NarHash: sha512:"), "NarHash",
                "unsupported hash algorithm 'sha512', only sha256 is used in binary caches");
        assertError(hi.replace("NarHash: sha256:1xmr8", "NarHash: sha256:1xmre"), "NarHash",
                "is not a valid sha256 hash (invalid character 'e' at position 4): 'sha256:1xmrejicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h'");
        assertError(hi + "FileHash: sha256:abc\n", "FileHash",
                "is not a valid sha256 hash (a sha256 is 64 base16, 52 nix32 or 44 base64 characters, got 3): 'sha256:abc'");
        assertError(hi.replace("ffffffffffffffffffffffffffffffff-dep", "ffffffffffffffffffffffffffffffff-dep /nix/store/x"), "References",
                "'/nix/store/x' is too short: a store path base name is a 32-character hash, '-' and a name");
        assertError(hi + "Deriver: ffffffffffffffffffffffffffffffff\n", "Deriver",
                "'ffffffffffffffffffffffffffffffff' is too short: a store path base name is a 32-character hash, '-' and a name");
        assertError(hi + "Sig: test-key:\n", "Sig", "the part after 'test-key:' decodes to 0 bytes, expected 64");
        assertError(hi + "Sig: :" + "A".repeat(86) + "==\n", "Sig", "key name must not be empty");
        assertError(hi + "Sig: test-key\n", "Sig", "expected '<key name>:<base64>', found no ':'");
        assertError(hi + "Sig: test-key:AAAA\n", "Sig", "the part after 'test-key:' decodes to 3 bytes, expected 64");
        assertError(hi + "Sig: test-key:not base64!\n", "Sig", "the part after 'test-key:' is not padded standard base64");
        assertError(hi + "CA: sha256:abc\n", "CA", "must start with 'text:' or 'fixed:', got 'sha256:abc'");
        assertError(hi + "CA: fixed:git:sha1:vw46m23bizj4n8afrc0fj19wrp7mj3c0\n", "CA",
                "unknown hash algorithm 'git' (expected md5, sha1, sha256 or sha512) in 'fixed:git:sha1:vw46m23bizj4n8afrc0fj19wrp7mj3c0'");
        assertError(hi + "CA: text:sha1:vw46m23bizj4n8afrc0fj19wrp7mj3c0\n", "CA",
                "a 'text:' content address uses sha256, got 'text:sha1:vw46m23bizj4n8afrc0fj19wrp7mj3c0'");
        assertError(hi + "CA: fixed:md5:abc\n", "CA",
                "the md5 hash is not 32 base16, 26 nix32 or 24 base64 characters: 'fixed:md5:abc'");
        assertError(hi + "CA: a\nCA: b\n", "CA", "must start with 'text:' or 'fixed:', got 'a'");
        assertError(hi + "CA: text:sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h\nCA: \n", "CA",
                "appears twice, on lines 7 and 8");
    }

    @Test
    void rejectsBytesThatAreNotUtf8() {
        byte[] bytes = (HI + "X: \u00ff\n").getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> NarInfo.parse(bytes, "/nix/store")).isInstanceOfSatisfying(NixFormatException.class, e -> {
            assertThat(e.field()).isEqualTo("narinfo");
            assertThat(e.reason()).startsWith("is not valid UTF-8");
        });
    }

    @Test
    void theConstructorValidatesToo() throws NixFormatException {
        NarInfo hi = parse(HI);
        assertThatThrownBy(() -> hi.toBuilder().narSize(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("NarSize: must be a positive integer, got -1");
        assertThatThrownBy(() -> hi.toBuilder().url("/abs").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("URL: must be relative");
        assertThatThrownBy(() -> hi.toBuilder().ca("").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("CA: must start with");
        assertThatThrownBy(() -> hi.toBuilder().references(List.of(StorePath.parse("/gnu/store/ffffffffffffffffffffffffffffffff-dep"))).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("References: /gnu/store/ffffffffffffffffffffffffffffffff-dep is not in /nix/store");
        assertThatThrownBy(() -> hi.toBuilder().compression(null).build()).isInstanceOf(NullPointerException.class);
        assertThat(hi.toBuilder().build()).isEqualTo(hi);
    }

    @Test
    void aCustomStoreDirectoryIsKeptEverywhere() throws NixFormatException {
        String text = HI.replace("/nix/store/", "/opt/store/");
        NarInfo info = NarInfo.parse(text, "/opt/store");
        assertThat(info.references().get(0)).hasToString("/opt/store/ffffffffffffffffffffffffffffffff-dep");
        assertThat(info.fingerprint()).startsWith("1;/opt/store/0123").endsWith(";120;/opt/store/ffffffffffffffffffffffffffffffff-dep");
        assertThat(info.render()).isEqualTo(text);
        assertThatThrownBy(() -> NarInfo.parse(text, "/opt/store/")).isInstanceOfSatisfying(NixFormatException.class,
                e -> assertThat(e.field()).isEqualTo("store directory"));
    }

    static void assertError(String text, String field, String reason) {
        assertThatThrownBy(() -> parse(text)).as(text).isInstanceOfSatisfying(NixFormatException.class, e -> {
            assertThat(e.field()).as("field for %s", text).isEqualTo(field);
            assertThat(e.reason()).as("reason for %s", text).isEqualTo(reason);
            assertThat(e.getMessage()).isEqualTo(field + ": " + reason);
        });
    }
}
