package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.KeyVault;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.sign.SecretKey;
import java.nio.charset.StandardCharsets;

/** Seals by prefixing the cache name (no secrecy; tests only need the binding and the round trip). */
public final class FakeKeyVault implements KeyVault {
    @Override
    public byte[] seal(CacheName cache, SecretKey key) {
        return (cache + "\n" + key.toNixFormat()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public SecretKey open(CacheName cache, byte[] sealed) {
        String text = new String(sealed, StandardCharsets.UTF_8);
        if (!text.startsWith(cache + "\n")) {
            throw new IllegalStateException("sealed for another cache");
        }
        try {
            return SecretKey.parse(text.substring(cache.value().length() + 1));
        } catch (NixFormatException e) {
            throw new IllegalStateException(e);
        }
    }
}
