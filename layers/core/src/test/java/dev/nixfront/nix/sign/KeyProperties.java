package dev.nixfront.nix.sign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.nix.NixFormatException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

class KeyProperties {
    @Property
    void keysAndSignaturesRoundTripThroughText(@ForAll @Size(32) byte[] seed, @ForAll byte[] message)
            throws NixFormatException {
        SecretKey key = SecretKey.fromSeed("cache-1", seed);
        assertThat(SecretKey.parse(key.toNixFormat())).isEqualTo(key);
        PublicKey publicKey = PublicKey.parse(key.publicKey().toString());
        NarSignature signature = NarSignature.parse(key.sign(message).toString());
        assertThat(publicKey.verify(message, signature)).isTrue();
        assertThat(key.sign(message)).as("Ed25519 is deterministic").isEqualTo(signature);
    }

    @Property
    void aFlippedBitBreaksTheSignature(@ForAll @Size(32) byte[] seed, @ForAll @Size(min = 1) byte[] message,
            @ForAll int position) {
        SecretKey key = SecretKey.fromSeed("cache-1", seed);
        byte[] sig = key.sign(message).bytes();
        byte[] tampered = message.clone();
        int bit = Math.floorMod(position, message.length * 8);
        tampered[bit / 8] ^= (byte) (1 << (bit % 8));
        assertThat(key.publicKey().verify(tampered, NarSignature.of("cache-1", sig))).isFalse();
        sig[Math.floorMod(position, 64)] ^= 1;
        assertThat(key.publicKey().verify(message, NarSignature.of("cache-1", sig))).isFalse();
    }

    @Property
    void garbageGivesOnlyFormatErrors(@ForAll String text) {
        try {
            SecretKey.parse(text);
        } catch (NixFormatException e) {
            assertThat(e.field()).isEqualTo("secret key");
        }
        try {
            PublicKey.parse(text);
        } catch (NixFormatException e) {
            assertThat(e.field()).isEqualTo("public key");
        }
        try {
            NarSignature.parse("k:" + text);
        } catch (NixFormatException e) {
            assertThat(e.field()).isEqualTo("signature");
        }
    }
}
