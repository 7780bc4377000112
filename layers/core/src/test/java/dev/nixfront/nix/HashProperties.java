package dev.nixfront.nix;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

class HashProperties {
    @Property
    void everyPrintedFormParsesBack(@ForAll @Size(32) byte[] digest) throws NixFormatException {
        Hash hash = Hash.of(digest);
        for (String text : new String[] {hash.toString(), hash.toNix32(), hash.toBase16(), hash.toBase64(), hash.toSri(),
                "sha256:" + hash.toBase16(), "sha256:" + hash.toBase64()}) {
            assertThat(Hash.parse(text)).as(text).isEqualTo(hash);
        }
        assertThat(Hash.parse(hash.toString()).bytes()).isEqualTo(digest);
    }

    @Property
    void garbageGivesOnlyFormatErrors(@ForAll String text) {
        try {
            Hash.parse(text);
        } catch (NixFormatException e) {
            assertThat(e.field()).isEqualTo("hash");
            assertThat(e.reason()).isNotBlank();
        }
    }
}
