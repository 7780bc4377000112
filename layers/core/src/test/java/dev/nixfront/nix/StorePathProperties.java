package dev.nixfront.nix;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class StorePathProperties {
    static final String NAME_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+-._?=";

    static Arbitrary<String> names() {
        return Arbitraries.strings().withChars(NAME_CHARS).ofMinLength(1).ofMaxLength(StorePath.MAX_NAME_LENGTH)
                .filter(n -> StorePath.nameProblem(n) == null);
    }

    static Arbitrary<StorePathHash> hashes() {
        return Arbitraries.bytes().array(byte[].class).ofSize(StorePathHash.BYTES).map(StorePathHash::of);
    }

    static Arbitrary<StorePath> storePaths(String storeDir) {
        return Combinators.combine(hashes(), names()).as((h, n) -> new StorePath(storeDir, h, n));
    }

    @Provide
    Arbitrary<StorePath> paths() {
        return Arbitraries.of("/nix/store", "/gnu/store", "/tmp/x/nix/store").flatMap(StorePathProperties::storePaths);
    }

    @Property
    void fullPathsAndBaseNamesRoundTrip(@ForAll("paths") StorePath path) throws NixFormatException {
        assertThat(StorePath.parse(path.toString())).isEqualTo(path);
        assertThat(StorePath.parseBaseName(path.storeDir(), path.baseName())).isEqualTo(path);
        assertThat(StorePathHash.parse(path.hash().toString())).isEqualTo(path.hash());
    }

    @Property
    void garbageGivesOnlyFormatErrors(@ForAll String text) {
        for (String candidate : new String[] {text, "/nix/store/" + text, "/nix/store/syd87l2rxw8cbsxmxl853h0r6pdwhwjr-" + text}) {
            try {
                StorePath path = StorePath.parse(candidate);
                assertThat(path.toString()).isEqualTo(candidate);
            } catch (NixFormatException e) {
                assertThat(e.reason()).isNotBlank();
            }
        }
    }

    @Property
    void orderIsTheByteOrderOfTheFullPaths(@ForAll("paths") StorePath a, @ForAll("paths") StorePath b) {
        int bytes = java.util.Arrays.compareUnsigned(a.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(Integer.signum(a.compareTo(b))).isEqualTo(Integer.signum(bytes));
    }
}
