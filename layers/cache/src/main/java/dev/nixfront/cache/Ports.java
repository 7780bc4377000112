package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.EdgeStore;
import dev.nixfront.cache.port.KeyVault;
import dev.nixfront.cache.port.Metrics;
import dev.nixfront.cache.port.ObjectStore;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.TokenRepository;
import dev.nixfront.cache.port.VerificationQueue;
import java.util.Objects;

/**
 * Every backend the services need, in one value: AWS adapters in Lambda, local ones in local mode, fakes in tests.
 *
 * @param edge what the read path checks private caches against ({@link EdgeStore})
 */
public record Ports(ObjectStore objects, CacheRepository caches, PathIndex paths, TokenRepository tokens,
                   KeyVault keys, VerificationQueue queue, Metrics metrics, EdgeStore edge) {
    public Ports {
        Objects.requireNonNull(objects, "objects");
        Objects.requireNonNull(caches, "caches");
        Objects.requireNonNull(paths, "paths");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(edge, "edge");
    }
}
