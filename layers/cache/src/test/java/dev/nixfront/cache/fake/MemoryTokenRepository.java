package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.TokenRecord;
import dev.nixfront.cache.port.TokenRepository;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

public final class MemoryTokenRepository implements TokenRepository {
    private final Map<String, TokenRecord> byHash = new HashMap<>();
    private int lookups;

    public synchronized int lookups() {
        return lookups;
    }

    public synchronized List<TokenRecord> all() {
        return List.copyOf(byHash.values());
    }

    @Override
    public synchronized void create(TokenRecord token) {
        if (byHash.putIfAbsent(token.secretHash(), token) != null) {
            throw new IllegalStateException("duplicate token hash");
        }
    }

    @Override
    public synchronized Optional<TokenRecord> findBySecretHash(String sha256Hex) {
        lookups++;
        return Optional.ofNullable(byHash.get(sha256Hex));
    }

    @Override
    public synchronized List<TokenRecord> list() {
        return byHash.values().stream().sorted(Comparator.comparing(TokenRecord::id)).toList();
    }

    @Override
    public synchronized boolean revoke(String id, Instant at) {
        for (TokenRecord t : byHash.values()) {
            if (t.id().equals(id)) {
                if (t.revokedAt() == null) {
                    byHash.put(t.secretHash(), t.revoked(at));
                }
                return true;
            }
        }
        return false;
    }
}
