package dev.nixfront.nix.sign;

import dev.nixfront.nix.NixFormatException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A narinfo {@code Sig} value: the signing key's name and a 64-byte Ed25519 signature of the
 * path's fingerprint, e.g.
 * {@code cache.nixos.org-1:TsTTb3WGTZKphvYdBHXwo6weVILmTytUjLB+vcX89fOjjRicCHmKA4RCPMVLkj6TMJ4GMX3HPVWRdD1hkeKZBQ==}.
 * Ordered by that text, the order Nix 2.8 writes {@code Sig} lines in.
 */
public final class NarSignature implements Comparable<NarSignature> {
    public static final int SIZE = 64;

    private final String keyName;
    private final byte[] signature;
    private final String text;

    private NarSignature(String keyName, byte[] signature) {
        this.keyName = keyName;
        this.signature = signature;
        this.text = keyName + ":" + Base64.getEncoder().encodeToString(signature);
    }

    public static NarSignature of(String keyName, byte[] signature) {
        KeyNames.requireValid(keyName);
        if (Objects.requireNonNull(signature, "signature").length != SIZE) {
            throw new IllegalArgumentException("an Ed25519 signature has 64 bytes, not " + signature.length);
        }
        return new NarSignature(keyName, signature.clone());
    }

    /**
     * Parses {@code <key name>:<base64 of 64 bytes>}. Stricter than Nix, which only rejects an empty
     * name or data since 2.34 and fails later, at verification, on a wrong length.
     */
    public static NarSignature parse(String text) throws NixFormatException {
        KeyNames.Parts parts = KeyNames.split(text, "signature", SIZE);
        return new NarSignature(parts.name(), parts.data());
    }

    public String keyName() {
        return keyName;
    }

    public byte[] bytes() {
        return signature.clone();
    }

    byte[] bytesUnsafe() {
        return signature;
    }

    /** {@code <key name>:<base64>}, the narinfo {@code Sig} value. */
    @Override
    public String toString() {
        return text;
    }

    @Override
    public int compareTo(NarSignature other) {
        return text.compareTo(other.text);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NarSignature s && keyName.equals(s.keyName) && Arrays.equals(signature, s.signature);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
