package dev.nixfront.nix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Nix32Test {
    @Test
    void encodesTheProtocolVectors() {
        assertThat(Nix32.encode(sha256("abc"))).isEqualTo("1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s");
        assertThat(Nix32.encode(HexFormat.of().parseHex("800d59cfcd3c05e900cb4e214be48f6b886a08df")))
                .isEqualTo("vw46m23bizj4n8afrc0fj19wrp7mj3c0");
        assertThat(Nix32.encode(sha256("SMASH THE STATE")))
                .isEqualTo("0d9n3r2i4m1zgy0wpqbsyabsfzgs952066bfp8gwvcg4mkr4r5g8");
    }

    @Test
    void decodesTheProtocolVectors() throws NixFormatException {
        assertThat(Nix32.decode("1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s", 32)).isEqualTo(sha256("abc"));
        assertThat(HexFormat.of().formatHex(Nix32.decode("vw46m23bizj4n8afrc0fj19wrp7mj3c0", 20)))
                .isEqualTo("800d59cfcd3c05e900cb4e214be48f6b886a08df");
    }

    @Test
    void lengthsAreNixs() {
        assertThat(Nix32.encodedLength(32)).isEqualTo(52);
        assertThat(Nix32.encodedLength(20)).isEqualTo(32);
        assertThat(Nix32.encodedLength(16)).isEqualTo(26);
        assertThat(Nix32.encodedLength(64)).isEqualTo(103);
        assertThat(Nix32.encodedLength(1)).isEqualTo(2);
        assertThat(Nix32.encodedLength(0)).isZero();
    }

    @Test
    void rejectsLettersOutsideTheAlphabetNamingThePosition() {
        // 'e', 'o', 'u' and 't' are left out of nix32 so hashes cannot spell words.
        assertThatThrownBy(() -> Nix32.decode("eb8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s", 32))
                .isInstanceOfSatisfying(NixFormatException.class, e -> {
                    assertThat(e.field()).isEqualTo("nix32");
                    assertThat(e.reason()).isEqualTo("invalid character 'e' at position 0");
                });
        assertThatThrownBy(() -> Nix32.decode("1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5\u00e9", 32))
                .isInstanceOfSatisfying(NixFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo("invalid character '\\u00e9' at position 51"));
    }

    @Test
    void rejectsAWrongLength() {
        assertThatThrownBy(() -> Nix32.decode("1b8m", 32))
                .isInstanceOfSatisfying(NixFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo("expected 52 characters, got 4"));
    }

    @Test
    void rejectsBitsBeyondTheLastByte() throws NixFormatException {
        // 52 digits hold 260 bits; a leading digit above 1 sets bits past the 256 of a SHA-256.
        assertThatThrownBy(() -> Nix32.decode("2" + "0".repeat(51), 32))
                .isInstanceOfSatisfying(NixFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo("excess bits set beyond 32 bytes"));
        assertThat(Nix32.decode("1" + "0".repeat(51), 32)[31]).isEqualTo((byte) 0x80);
    }

    static byte[] sha256(String s) {
        return Hash.sha256(s.getBytes(StandardCharsets.UTF_8)).bytes();
    }
}
