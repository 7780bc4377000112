package dev.nixfront.nix;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.nix.sign.SecretKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class NarInfoProperties {
    private static final String STORE = StorePath.DEFAULT_STORE_DIR;

    @Provide
    Arbitrary<NarInfo> narInfos() {
        Arbitrary<StorePath> path = StorePathProperties.storePaths(STORE);
        Arbitrary<Hash> hash = Arbitraries.bytes().array(byte[].class).ofSize(32).map(Hash::of);
        Arbitrary<NarInfo> unsigned = Combinators.combine(
                        path,
                        Arbitraries.of(Compression.class),
                        hash.injectNull(0.3),
                        Arbitraries.longs().between(0, Long.MAX_VALUE),
                        hash,
                        Arbitraries.longs().between(1, Long.MAX_VALUE),
                        path.list().ofMaxSize(6),
                        Arbitraries.of(true, false))
                .as((p, c, fh, fs, nh, ns, refs, self) -> {
                    List<StorePath> references = new ArrayList<>(refs);
                    if (self) {
                        references.add(p);
                    }
                    return NarInfo.builder(p).url("nar/" + nh.toNix32() + ".nar" + c.fileExtension()).compression(c)
                            .fileHash(fh).fileSize(fs).narHash(nh).narSize(ns).references(references).build();
                });
        Arbitrary<StorePath> deriver = Combinators.combine(StorePathProperties.hashes(),
                        StorePathProperties.names().filter(n -> n.length() <= 207))
                .as((h, n) -> new StorePath(STORE, h, n + ".drv"));
        Arbitrary<String> ca = Arbitraries.of(
                "text:sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h",
                "fixed:r:sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h",
                "fixed:sha1:vw46m23bizj4n8afrc0fj19wrp7mj3c0");
        Arbitrary<List<SecretKey>> keys = Arbitraries.bytes().array(byte[].class).ofSize(32)
                .map(seed -> SecretKey.fromSeed("key-" + (seed[0] & 7), seed)).list().ofMaxSize(3);
        return Combinators.combine(unsigned, deriver.injectNull(0.5), ca.injectNull(0.6), keys).as((info, d, c, ks) -> {
            NarInfo result = info.toBuilder().deriver(d).ca(c).build();
            for (SecretKey k : ks) {
                result = result.sign(k);
            }
            return result;
        });
    }

    @Property
    void renderedNarInfosParseBackEqual(@ForAll("narInfos") NarInfo info) throws NixFormatException {
        String text = info.render();
        assertThat(text).endsWith("\n").doesNotContain("\r").contains("\nReferences: ");
        NarInfo parsed = NarInfo.parse(text, STORE);
        assertThat(parsed).isEqualTo(info);
        assertThat(parsed.render()).isEqualTo(text);
        assertThat(parsed.fingerprint()).isEqualTo(info.fingerprint());
    }

    @Property
    void signaturesSurviveTheRoundTripAndCoverTheFingerprint(@ForAll("narInfos") NarInfo info,
            @ForAll @IntRange(min = 0, max = 255) int seedByte) throws NixFormatException {
        byte[] seed = new byte[32];
        seed[0] = (byte) seedByte;
        SecretKey key = SecretKey.fromSeed("prop-1", seed);
        NarInfo signed = NarInfo.parse(info.sign(key).render(), STORE);
        assertThat(signed.verifiedBy(key.publicKey())).isTrue();
        NarInfo changed = signed.toBuilder().narSize(signed.narSize() == 1 ? 2 : signed.narSize() - 1).build();
        assertThat(changed.verifiedBy(key.publicKey())).isFalse();
    }

    /** Garbage in, only NixFormatException out; and whatever is accepted renders to a fixed point. */
    @Property(tries = 2000)
    void randomTextGivesOnlyFormatErrors(@ForAll("narInfoishText") String text) {
        checkParser(text);
    }

    @Property(tries = 3000)
    void mutatedNarInfosGiveOnlyFormatErrors(@ForAll("narInfos") NarInfo info, @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 6) int mutations) {
        Random random = new Random(seed);
        String text = info.render();
        for (int i = 0; i < mutations; i++) {
            text = mutate(text, random);
        }
        checkParser(text);
        checkParserBytes(mutateBytes(info.render().getBytes(StandardCharsets.UTF_8), random));
    }

    @Provide
    Arbitrary<String> narInfoishText() {
        Arbitrary<String> tokens = Arbitraries.oneOf(
                Arbitraries.of("StorePath", "URL", "Compression", "FileHash", "FileSize", "NarHash", "NarSize",
                        "References", "Deriver", "Sig", "CA", ": ", ":", "\n", "\r\n", " ", "/nix/store/", "sha256:",
                        "sha256-", "unknown-deriver", "fixed:r:sha256:", "text:", "-", "0", "120", "-1", "none", "xz",
                        "zstd", "nar/x.nar", "..", "key:", "=="),
                Arbitraries.strings().withChars("0123456789abcdfghijklmnpqrsvwxyz").ofLength(32),
                Arbitraries.strings().withChars("0123456789abcdfghijklmnpqrsvwxyz").ofLength(52),
                Arbitraries.strings().ofMaxLength(5));
        return tokens.list().ofMaxSize(60).map(list -> String.join("", list));
    }

    private static void checkParser(String text) {
        NarInfo parsed;
        try {
            parsed = NarInfo.parse(text, STORE);
        } catch (NixFormatException e) {
            assertThat(e.field()).isNotBlank();
            assertThat(e.reason()).isNotBlank().doesNotContain("\n");
            return;
        }
        try {
            assertThat(NarInfo.parse(parsed.render(), STORE)).isEqualTo(parsed);
        } catch (NixFormatException e) {
            throw new AssertionError("rendering an accepted narinfo gave text the parser refuses: " + e.getMessage(), e);
        }
    }

    private static void checkParserBytes(byte[] bytes) {
        try {
            NarInfo.parse(bytes, STORE);
        } catch (NixFormatException e) {
            assertThat(e.reason()).isNotBlank();
        }
    }

    private static final String[] SNIPPETS = {"\n", "\r", ": ", ":", " ", "-", "0", "/", "sha256:", "Sig: a:b\n",
        "NarSize: 1\n", "References: \n", "\u00e9", "\u0000", "e", "unknown-deriver", "CA: text:"};

    static String mutate(String text, Random random) {
        if (text.isEmpty()) {
            return SNIPPETS[random.nextInt(SNIPPETS.length)];
        }
        int at = random.nextInt(text.length());
        return switch (random.nextInt(7)) {
            case 0 -> text.substring(0, at) + text.substring(at + 1);
            case 1 -> text.substring(0, at) + SNIPPETS[random.nextInt(SNIPPETS.length)] + text.substring(at);
            case 2 -> text.substring(0, at) + (char) random.nextInt(128) + text.substring(at + 1);
            case 3 -> text.substring(0, at);
            case 4 -> {
                String[] lines = text.split("\n", -1);
                int a = random.nextInt(lines.length);
                int b = random.nextInt(lines.length);
                String tmp = lines[a];
                lines[a] = lines[b];
                lines[b] = tmp;
                yield String.join("\n", lines);
            }
            case 5 -> {
                String[] lines = text.split("\n", -1);
                yield text + lines[random.nextInt(lines.length)] + "\n";
            }
            default -> text.substring(0, at) + text.substring(Math.min(text.length(), at + 1 + random.nextInt(10)));
        };
    }

    static byte[] mutateBytes(byte[] bytes, Random random) {
        byte[] copy = bytes.clone();
        for (int i = 0; i < 3 && copy.length > 0; i++) {
            copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
        }
        return copy;
    }
}
