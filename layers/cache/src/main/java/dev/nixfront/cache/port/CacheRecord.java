package dev.nixfront.cache.port;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A cache as stored in the index: its public key in Nix's text form ({@code name:base64}), the
 * secret key sealed by the {@link KeyVault} (never the plain key), and the settings that go into
 * {@code nix-cache-info}.
 *
 * @param publicKey  Nix public key text, e.g. {@code team-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=}
 * @param sealedKey  opaque bytes from {@link KeyVault#seal}
 * @param priority   Nix substituter priority (lower wins)
 * @param privateCache whether reads need credentials (recorded; enforced by the read side)
 */
public record CacheRecord(CacheName name, String publicKey, byte[] sealedKey, int priority, boolean privateCache, Instant createdAt) {
    public CacheRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(createdAt, "createdAt");
        sealedKey = Objects.requireNonNull(sealedKey, "sealedKey").clone();
        if (priority < 0) {
            throw new IllegalArgumentException("priority must not be negative");
        }
    }

    @Override
    public byte[] sealedKey() {
        return sealedKey.clone();
    }

    // Records compare arrays by identity; a stored record read back must equal the one written.
    @Override
    public boolean equals(Object o) {
        return o instanceof CacheRecord c && name.equals(c.name) && publicKey.equals(c.publicKey)
                && Arrays.equals(sealedKey, c.sealedKey) && priority == c.priority
                && privateCache == c.privateCache && createdAt.equals(c.createdAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, publicKey, Arrays.hashCode(sealedKey), priority, privateCache, createdAt);
    }

    @Override
    public String toString() {
        return "CacheRecord[name=" + name + ", publicKey=" + publicKey + ", sealedKey=<" + sealedKey.length
                + " bytes>, priority=" + priority + ", privateCache=" + privateCache + ", createdAt=" + createdAt + "]";
    }
}
