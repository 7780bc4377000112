package dev.nixfront.nix.sign;

import dev.nixfront.nix.NixFormatException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 public key as Nix spells it in {@code trusted-public-keys} and in the file
 * {@code nix-store --generate-binary-cache-key} writes:
 * {@code cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=}.
 */
public final class PublicKey {
    public static final int SIZE = 32;

    private final String name;
    private final byte[] key;
    /** Decompressed once: verifying many narinfos with one key then skips the square root. */
    private final Ed25519.PublicPoint point;

    private PublicKey(String name, byte[] key, Ed25519.PublicPoint point) {
        this.name = name;
        this.key = key;
        this.point = point;
    }

    public static PublicKey of(String name, byte[] key) {
        KeyNames.requireValid(name);
        if (Objects.requireNonNull(key, "key").length != SIZE) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes, not " + key.length);
        }
        Ed25519.PublicPoint point = Ed25519.validatePublicKeyPartialExport(key, 0);
        if (point == null) {
            throw new IllegalArgumentException("public key: not a point on Ed25519");
        }
        return new PublicKey(name, key.clone(), point);
    }

    /** Parses {@code <name>:<base64 of 32 bytes>}, tolerating trailing whitespace (a file's newline). */
    public static PublicKey parse(String text) throws NixFormatException {
        KeyNames.Parts parts = KeyNames.split(KeyNames.stripTrailingWhitespace(text), "public key", SIZE);
        Ed25519.PublicPoint point = Ed25519.validatePublicKeyPartialExport(parts.data(), 0);
        if (point == null) {
            throw new NixFormatException("public key", "'" + parts.name() + ":...' is not a point on Ed25519");
        }
        return new PublicKey(parts.name(), parts.data(), point);
    }

    public String name() {
        return name;
    }

    public byte[] bytes() {
        return key.clone();
    }

    /**
     * True when {@code signature} is by this key (same name, as Nix requires) and signs
     * {@code message}, in Nix's case a narinfo fingerprint.
     */
    public boolean verify(byte[] message, NarSignature signature) {
        if (!signature.keyName().equals(name)) {
            return false;
        }
        return Ed25519.verify(signature.bytesUnsafe(), 0, point, message, 0, message.length);
    }

    /** {@code <name>:<base64>}, the form {@code trusted-public-keys} takes. */
    @Override
    public String toString() {
        return name + ":" + Base64.getEncoder().encodeToString(key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PublicKey k && name.equals(k.name) && Arrays.equals(key, k.key);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(key);
    }
}
