package dev.nixfront.nix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class StorePathTest {
    private static final String CURL = "/nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin";

    @Test
    void parsesAFullPath() throws NixFormatException {
        StorePath path = StorePath.parse(CURL);
        assertThat(path.storeDir()).isEqualTo(StorePath.DEFAULT_STORE_DIR);
        assertThat(path.hash()).hasToString("syd87l2rxw8cbsxmxl853h0r6pdwhwjr");
        assertThat(path.name()).isEqualTo("curl-7.82.0-bin");
        assertThat(path.baseName()).isEqualTo("syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl-7.82.0-bin");
        assertThat(path).hasToString(CURL);
        assertThat(path.isDerivation()).isFalse();
        assertThat(StorePath.parse("/gnu/store/x/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-a.drv").storeDir()).isEqualTo("/gnu/store/x");
    }

    @Test
    void acceptsEveryLegalNameCharacterAndTheLongestName() throws NixFormatException {
        String name = "aZ09+-._?=" + "x".repeat(201);
        assertThat(StorePath.parseBaseName("/nix/store", "syd87l2rxw8cbsxmxl853h0r6pdwhwjr-" + name).name()).isEqualTo(name);
        assertThat(StorePath.parseBaseName("/nix/store", "syd87l2rxw8cbsxmxl853h0r6pdwhwjr-.a").name()).isEqualTo(".a");
        assertThat(StorePath.parseBaseName("/nix/store", "syd87l2rxw8cbsxmxl853h0r6pdwhwjr-..a").name()).isEqualTo("..a");
        assertThat(StorePath.parseBaseName("/nix/store", "syd87l2rxw8cbsxmxl853h0r6pdwhwjr--").name()).isEqualTo("-");
    }

    @Test
    void rejectsBadNamesWithNixsReasons() {
        String hash = "syd87l2rxw8cbsxmxl853h0r6pdwhwjr-";
        assertBaseName(hash + ".", "name '.' is not valid");
        assertBaseName(hash + "..", "name '..' is not valid");
        assertBaseName(hash + ".-x", "name '.-x' is not valid: its first dash-separated component must not be '.' or '..'");
        assertBaseName(hash + "..-x", "name '..-x' is not valid: its first dash-separated component must not be '.' or '..'");
        assertBaseName(hash + "a b", "name 'a b' contains illegal character ' ' (allowed: 0-9 a-z A-Z + - . _ ? =)");
        assertBaseName(hash + "caf\u00e9", "name 'caf\\u00e9' contains illegal character '\\u00e9' (allowed: 0-9 a-z A-Z + - . _ ? =)");
        assertBaseName(hash + "x".repeat(212), "name '" + "x".repeat(120) + "'... (212 characters) is longer than 211 characters");
        assertBaseName(hash, "'syd87l2rxw8cbsxmxl853h0r6pdwhwjr-' is too short: a store path base name is a 32-character hash, '-' and a name");
        assertBaseName("syd87l2rxw8cbsxmxl853h0r6pdwhwjr_curl", "'syd87l2rxw8cbsxmxl853h0r6pdwhwjr_curl' has no '-' after its 32-character hash part");
        assertBaseName("syd87l2rxw8cbsxmxl853h0r6pdwhwjt-curl",
                "hash part invalid nix32 character 't' at position 31 of 'syd87l2rxw8cbsxmxl853h0r6pdwhwjt' (the alphabet is 0123456789abcdfghijklmnpqrsvwxyz)");
    }

    @Test
    void rejectsBadFullPaths() {
        assertFull("", "empty");
        assertFull("syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl", "'syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl' is not an absolute path");
        assertFull("/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl",
                "'/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl': store directory must not be empty");
        assertFull("/nix//store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl",
                "'/nix//store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl': store directory '/nix//store' is not canonical (empty, '.' or '..' component)");
        assertFull("/nix/../store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl",
                "'/nix/../store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-curl': store directory '/nix/../store' is not canonical (empty, '.' or '..' component)");
    }

    @Test
    void theConstructorRejectsWhatParseRejects() {
        StorePathHash hash = new StorePathHash("syd87l2rxw8cbsxmxl853h0r6pdwhwjr");
        assertThatThrownBy(() -> new StorePath("/nix/store", hash, "a/b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("store path: name 'a/b' contains illegal character '/' (allowed: 0-9 a-z A-Z + - . _ ? =)");
        assertThatThrownBy(() -> new StorePath("/nix/store/", hash, "a"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not canonical");
        assertThatThrownBy(() -> new StorePathHash("syd87l2rxw8cbsxmxl853h0r6pdwhwj"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("store path hash: must be 32 nix32 characters, got 31 in 'syd87l2rxw8cbsxmxl853h0r6pdwhwj'");
    }

    @Test
    void ordersByTheBytesOfTheFullPath() throws NixFormatException {
        StorePath a = StorePath.parse("/nix/store/0jqd0rlxzra1rs38rdxl43yh6rxchgc6-curl-7.82.0");
        StorePath b = StorePath.parse("/nix/store/0jqd0rlxzra1rs38rdxl43yh6rxchgc6-curl-7.82.0-bin");
        StorePath c = StorePath.parse("/nix/store/j5jxw3iy7bbz4a57fh9g2xm2gxmyal8h-zlib-1.2.12");
        // '/' (0x2f) sorts after '-' (0x2d): "/a-b/..." comes before "/a/...".
        StorePath d = StorePath.parse("/a-b/0jqd0rlxzra1rs38rdxl43yh6rxchgc6-x");
        StorePath e = StorePath.parse("/a/0jqd0rlxzra1rs38rdxl43yh6rxchgc6-x");
        List<StorePath> paths = new ArrayList<>(List.of(e, c, b, d, a));
        Collections.sort(paths);
        assertThat(paths).containsExactly(d, e, a, b, c);
    }

    @Test
    void storePathHashRoundTripsItsBytes() throws NixFormatException {
        StorePathHash hash = StorePathHash.parse("vw46m23bizj4n8afrc0fj19wrp7mj3c0");
        assertThat(java.util.HexFormat.of().formatHex(hash.bytes())).isEqualTo("800d59cfcd3c05e900cb4e214be48f6b886a08df");
        assertThat(StorePathHash.of(hash.bytes())).isEqualTo(hash);
    }

    private static void assertBaseName(String baseName, String reason) {
        assertThatThrownBy(() -> StorePath.parseBaseName("/nix/store", baseName))
                .isInstanceOfSatisfying(NixFormatException.class, e -> {
                    assertThat(e.field()).isEqualTo("store path");
                    assertThat(e.reason()).isEqualTo(reason);
                });
    }

    private static void assertFull(String path, String reason) {
        assertThatThrownBy(() -> StorePath.parse(path)).isInstanceOfSatisfying(NixFormatException.class, e -> {
            assertThat(e.field()).isEqualTo("store path");
            assertThat(e.reason()).isEqualTo(reason);
        });
    }
}
