package dev.nixfront.nix.sign;

import dev.nixfront.nix.NixFormatException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 signing key in Nix's format: a name and 64 bytes, the 32-byte RFC 8032 seed followed
 * by the 32-byte public key (libsodium's layout). The key file holds {@code <name>:<base64>} with
 * no trailing newline. {@link #toString()} never prints the secret; {@link #toNixFormat()} does.
 */
public final class SecretKey {
    public static final int SIZE = 64;
    public static final int SEED_SIZE = 32;

    private final String name;
    private final byte[] key;
    private final PublicKey publicKey;

    private SecretKey(String name, byte[] key) {
        this.name = name;
        this.key = key;
        this.publicKey = PublicKey.of(name, Arrays.copyOfRange(key, SEED_SIZE, SIZE));
    }

    /** A fresh key; the name is what clients put before the public key, e.g. {@code cache.example.org-1}. */
    public static SecretKey generate(String name, SecureRandom random) {
        byte[] seed = new byte[SEED_SIZE];
        random.nextBytes(seed);
        try {
            return fromSeed(name, seed);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** Rebuilds a key from its seed, e.g. after decrypting the seed stored under envelope encryption. */
    public static SecretKey fromSeed(String name, byte[] seed) {
        KeyNames.requireValid(name);
        if (Objects.requireNonNull(seed, "seed").length != SEED_SIZE) {
            throw new IllegalArgumentException("an Ed25519 seed has 32 bytes, not " + seed.length);
        }
        byte[] key = Arrays.copyOf(seed, SIZE);
        Ed25519.generatePublicKey(key, 0, key, SEED_SIZE);
        return new SecretKey(name, key);
    }

    /**
     * Parses a secret key file's content, tolerating trailing whitespace. Rejects a key whose public
     * half does not belong to its seed: libsodium signs with the stored half, so such a key would
     * make signatures no public key verifies. Error messages never contain key material.
     */
    public static SecretKey parse(String text) throws NixFormatException {
        KeyNames.Parts parts = KeyNames.split(KeyNames.stripTrailingWhitespace(text), "secret key", SIZE);
        byte[] key = parts.data();
        byte[] derived = new byte[PublicKey.SIZE];
        Ed25519.generatePublicKey(key, 0, derived, 0);
        if (!MessageDigest.isEqual(derived, Arrays.copyOfRange(key, SEED_SIZE, SIZE))) {
            Arrays.fill(key, (byte) 0);
            throw new NixFormatException("secret key",
                    "the last 32 bytes of key '" + parts.name() + "' are not the public key of its first 32 (the seed)");
        }
        return new SecretKey(parts.name(), key);
    }

    public String name() {
        return name;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** The 32-byte seed (a copy), all that needs protecting: the rest is derived from it. */
    public byte[] seed() {
        return Arrays.copyOf(key, SEED_SIZE);
    }

    /** Pure Ed25519 (deterministic): the same key and message always give the same signature. */
    public NarSignature sign(byte[] message) {
        byte[] signature = new byte[NarSignature.SIZE];
        Ed25519.sign(key, 0, key, SEED_SIZE, message, 0, message.length, signature, 0);
        return NarSignature.of(name, signature);
    }

    /** The secret key file content, {@code <name>:<base64 of 64 bytes>}, as Nix writes it. */
    public String toNixFormat() {
        return name + ":" + Base64.getEncoder().encodeToString(key);
    }

    /** Redacted, so a key that ends up in a log line or exception message does not leak. */
    @Override
    public String toString() {
        return "SecretKey[" + name + ", public " + publicKey + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretKey k && name.equals(k.name) && MessageDigest.isEqual(key, k.key);
    }

    @Override
    public int hashCode() {
        return publicKey.hashCode();
    }
}
