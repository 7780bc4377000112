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
    public synchronized List<TokenRecord> findById(String id) {
        return byHash.values().stream().filter(t -> t.id().equals(id)).toList();
    }

    @Override
    public synchronized void revokeHash(String secretHash, Instant at) {
        TokenRecord t = byHash.get(secretHash);
        if (t != null && t.revokedAt() == null) {
            byHash.put(secretHash, t.revoked(at));
        }
    }

    @Override
    public synchronized boolean revoke(String id, Instant at) {
        boolean found = false;
        for (TokenRecord t : List.copyOf(byHash.values())) {
            if (t.id().equals(id)) {
                if (t.revokedAt() == null) {
                    byHash.put(t.secretHash(), t.revoked(at));
                }
                found = true;
            }
        }
        return found;
    }
}
