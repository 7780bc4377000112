package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.KeyVault;
import dev.nixfront.nix.sign.SecretKey;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opens cache signing keys through the vault once per container: a KMS Decrypt per publish would
 * cost more than the publish. Keyed by cache name and public key, so a cache deleted and created
 * again under the same name never signs with the old key.
 */
final class SigningKeys {
    private static final int MAX_ENTRIES = 256;

    private final KeyVault vault;
    private final Map<String, SecretKey> open = new ConcurrentHashMap<>();

    SigningKeys(KeyVault vault) {
        this.vault = Objects.requireNonNull(vault);
    }

    SecretKey of(CacheRecord cache) {
        String id = cache.name() + " " + cache.publicKey();
        SecretKey key = open.get(id);
        if (key == null) {
            key = vault.open(cache.name(), cache.sealedKey());
            if (!key.publicKey().toString().equals(cache.publicKey())) {
                throw new IllegalStateException("the sealed key of cache " + cache.name() + " does not match its public key");
            }
            if (open.size() >= MAX_ENTRIES) {
                open.clear();
            }
            open.put(id, key);
        }
        return key;
    }
}
