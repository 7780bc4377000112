package dev.nixfront.nix;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class Nix32Properties {
    @Property
    void decodeInvertsEncode(@ForAll @Size(max = 80) byte[] bytes) throws NixFormatException {
        String text = Nix32.encode(bytes);
        assertThat(text).hasSize(Nix32.encodedLength(bytes.length)).matches("[0-9a-df-np-sv-z]*");
        assertThat(Nix32.decode(text, bytes.length)).isEqualTo(bytes);
    }

    /** Every accepted string is the one encoding of what it decodes to: no hash has two spellings. */
    @Property
    void acceptedTextIsCanonical(@ForAll("nix32Text") String text) {
        int bytes = 20;
        try {
            assertThat(Nix32.encode(Nix32.decode(text, bytes))).isEqualTo(text);
        } catch (NixFormatException e) {
            assertThat(e.field()).isEqualTo("nix32");
        }
    }

    @Provide
    Arbitrary<String> nix32Text() {
        return Arbitraries.strings().withChars("0123456789abcdefghijklmnopqrstuvwxyz").ofMinLength(30).ofMaxLength(34);
    }
}
