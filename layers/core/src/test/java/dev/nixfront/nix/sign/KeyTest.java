package dev.nixfront.nix.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.nix.NixFormatException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class KeyTest {
    static final String TEST_SECRET =
            "test-key:tU7tTvLcScf8pmz/eTV0BEtLmRsPpZfKaRcd0nCN+pysBZPHSeg61/u2oc7mIOewfuAY1V1BiX32homTaDJ2Jw==";
    static final String TEST_PUBLIC = "test-key:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=";
    static final String FINGERPRINT = "1;/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi;"
            + "sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h;120;/nix/store/ffffffffffffffffffffffffffffffff-dep";
    static final String SIGNATURE =
            "test-key:+ukqC/zDnRc1Yuytc4zjBQq65mn8bGTikREAMRGDFq4W7/jf2gPIX4X/FJlCA4FZGhUVUc41lpsATfyXwpiFAA==";

    @Test
    void nixsTestKeySignsItsVectorByteForByte() throws NixFormatException {
        SecretKey key = SecretKey.parse(TEST_SECRET);
        assertThat(key.name()).isEqualTo("test-key");
        assertThat(key.publicKey()).hasToString(TEST_PUBLIC);
        assertThat(key.publicKey()).isEqualTo(PublicKey.parse(TEST_PUBLIC));
        NarSignature signature = key.sign(FINGERPRINT.getBytes(StandardCharsets.UTF_8));
        assertThat(signature).hasToString(SIGNATURE);
        assertThat(signature).isEqualTo(NarSignature.parse(SIGNATURE));
        assertThat(key.publicKey().verify(FINGERPRINT.getBytes(StandardCharsets.UTF_8), signature)).isTrue();
        assertThat(key.publicKey().verify((FINGERPRINT + "x").getBytes(StandardCharsets.UTF_8), signature)).isFalse();
        assertThat(key.toNixFormat()).isEqualTo(TEST_SECRET);
    }

    @Test
    void aSignatureUnderAnotherNameDoesNotVerify() throws NixFormatException {
        SecretKey key = SecretKey.parse(TEST_SECRET);
        NarSignature signature = key.sign(FINGERPRINT.getBytes(StandardCharsets.UTF_8));
        NarSignature renamed = NarSignature.of("other-key", signature.bytes());
        assertThat(key.publicKey().verify(FINGERPRINT.getBytes(StandardCharsets.UTF_8), renamed)).isFalse();
    }

    @Test
    void secretKeysNeverShowTheirSecret() throws NixFormatException {
        SecretKey key = SecretKey.parse(TEST_SECRET);
        String secretBase64 = TEST_SECRET.substring("test-key:".length());
        assertThat(key.toString()).isEqualTo("SecretKey[test-key, public " + TEST_PUBLIC + "]").doesNotContain(secretBase64);
        assertThat(key.seed()).isEqualTo(java.util.Arrays.copyOf(Base64.getDecoder().decode(secretBase64), 32));
        assertThat(SecretKey.fromSeed("test-key", key.seed())).isEqualTo(key);
    }

    @Test
    void keyFilesMayEndInANewline() throws NixFormatException {
        assertThat(SecretKey.parse(TEST_SECRET + "\n").toNixFormat()).isEqualTo(TEST_SECRET);
        assertThat(PublicKey.parse(TEST_PUBLIC + "\r\n")).hasToString(TEST_PUBLIC);
    }

    @Test
    void generatedKeysRoundTrip() throws NixFormatException {
        SecretKey key = SecretKey.generate("cache.example.org-1", new SecureRandom());
        assertThat(SecretKey.parse(key.toNixFormat())).isEqualTo(key);
        assertThat(PublicKey.parse(key.publicKey().toString())).isEqualTo(key.publicKey());
        assertThat(key.toNixFormat()).startsWith("cache.example.org-1:").hasSize("cache.example.org-1:".length() + 88);
        assertThat(key.publicKey().toString()).hasSize("cache.example.org-1:".length() + 44);
    }

    @Test
    void namesTheProblemWithoutQuotingSecrets() {
        String secretBase64 = TEST_SECRET.substring("test-key:".length());
        assertSecret("", "empty");
        assertSecret(secretBase64, "expected '<key name>:<base64>', found no ':'");
        assertSecret("test key:" + secretBase64, "key name must not contain whitespace or control characters, got 'test key'");
        assertSecret(":" + secretBase64, "key name must not be empty");
        assertSecret("test-key:" + secretBase64.replace("==", ""), "the part after 'test-key:' is not padded standard base64");
        assertSecret(TEST_PUBLIC, "the part after 'test-key:' decodes to 32 bytes, expected 64");
        // Seed of the test key with the public half of another key.
        byte[] mixed = Base64.getDecoder().decode(secretBase64);
        mixed[40] ^= 1;
        assertSecret("test-key:" + Base64.getEncoder().encodeToString(mixed),
                "the last 32 bytes of key 'test-key' are not the public key of its first 32 (the seed)");
    }

    @Test
    void publicKeysAndSignaturesNameTheProblem() {
        assertThatThrownBy(() -> PublicKey.parse("test-key:AAAA")).isInstanceOfSatisfying(NixFormatException.class, e -> {
            assertThat(e.field()).isEqualTo("public key");
            assertThat(e.reason()).isEqualTo("the part after 'test-key:' decodes to 3 bytes, expected 32");
        });
        // y = 2 is not the y coordinate of any point on the curve.
        byte[] notAPoint = new byte[32];
        notAPoint[0] = 2;
        assertThatThrownBy(() -> PublicKey.parse("k:" + Base64.getEncoder().encodeToString(notAPoint)))
                .isInstanceOfSatisfying(NixFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo("'k:...' is not a point on Ed25519"));
        assertThatThrownBy(() -> NarSignature.parse("a:b:" + "A".repeat(86) + "=="))
                .isInstanceOfSatisfying(NixFormatException.class, e -> {
                    assertThat(e.field()).isEqualTo("signature");
                    assertThat(e.reason()).isEqualTo("the part after 'a:' is not padded standard base64");
                });
        assertThatThrownBy(() -> KeyNames.check("a:b")).isInstanceOfSatisfying(NixFormatException.class,
                e -> assertThat(e.getMessage()).isEqualTo("key name: must not contain ':' (it separates the name from the key), got 'a:b'"));
        assertThatThrownBy(() -> SecretKey.generate("", new SecureRandom()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("key name: must not be empty");
    }

    private static void assertSecret(String text, String reason) {
        assertThatThrownBy(() -> SecretKey.parse(text)).isInstanceOfSatisfying(NixFormatException.class, e -> {
            assertThat(e.field()).isEqualTo("secret key");
            assertThat(e.reason()).isEqualTo(reason);
            assertThat(e.getMessage()).doesNotContain("tU7tTvLcScf8pmz");
        });
    }
}
