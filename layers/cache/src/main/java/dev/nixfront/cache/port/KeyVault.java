package dev.nixfront.cache.port;

import dev.nixfront.nix.sign.SecretKey;

/**
 * Seals cache signing keys for storage. In AWS a KMS envelope (data key per seal, encryption
 * context {@code cache=<name>}); locally AES-GCM under a 0600 master key file. Binding the cache
 * name means a sealed key copied onto another cache's item does not open.
 */
public interface KeyVault {
    byte[] seal(CacheName cache, SecretKey key);

    /** Opens what {@link #seal} returned for the same cache; throws IllegalStateException otherwise. */
    SecretKey open(CacheName cache, byte[] sealed);
}
