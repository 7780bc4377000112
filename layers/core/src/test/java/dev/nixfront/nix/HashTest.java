package dev.nixfront.nix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HashTest {
    private static final Hash ABC = Hash.sha256("abc".getBytes(StandardCharsets.US_ASCII));
    private static final String HEX = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private static final String NIX32 = "1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s";
    private static final String B64 = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";

    @Test
    void printsEveryForm() {
        assertThat(ABC.toBase16()).isEqualTo(HEX);
        assertThat(ABC.toNix32()).isEqualTo(NIX32);
        assertThat(ABC.toBase64()).isEqualTo(B64);
        assertThat(ABC.toSri()).isEqualTo("sha256-" + B64);
        assertThat(ABC).hasToString("sha256:" + NIX32);
    }

    @Test
    void parsesEveryFormWithAndWithoutPrefix() throws NixFormatException {
        for (String text : new String[] {HEX, NIX32, B64, "sha256:" + HEX, "sha256:" + NIX32, "sha256:" + B64,
                "sha256-" + B64, HEX.toUpperCase(java.util.Locale.ROOT)}) {
            assertThat(Hash.parse(text)).as(text).isEqualTo(ABC);
        }
    }

    @Test
    void namesTheProblem() {
        assertReason("", "empty");
        assertReason("md5:" + HEX, "unsupported algorithm 'md5', only sha256");
        assertReason("sha256:abc", "a sha256 is 64 base16, 52 nix32 or 44 base64 characters, got 3");
        assertReason("sha256:" + HEX.replace('a', 'g'), "invalid base16 character 'g'");
        assertReason("sha256:e" + NIX32.substring(1), "invalid character 'e' at position 0");
        assertReason("sha256-" + B64.replace("=", "A"), "base64 does not encode exactly 32 bytes");
    }

    private static void assertReason(String text, String reason) {
        assertThatThrownBy(() -> Hash.parse(text)).isInstanceOfSatisfying(NixFormatException.class, e -> {
            assertThat(e.field()).isEqualTo("hash");
            assertThat(e.reason()).isEqualTo(reason);
        });
    }
}
