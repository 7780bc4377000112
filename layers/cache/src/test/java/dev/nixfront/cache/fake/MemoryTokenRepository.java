package dev.nixfront.cache.fake;

import dev.nixfront.cache.port.TokenRecord;
import dev.nixfront.cache.port.TokenRepository;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

public final class MemoryTokenRepository implements TokenRepository {
    private final Map<String, TokenRecord> byHash = new HashMap<>();
    private final Map<String, List<String>> children = new HashMap<>();
    private int lookups;
    private int revocationsLeft = Integer.MAX_VALUE;

    public synchronized int lookups() {
        return lookups;
    }

    public synchronized List<TokenRecord> all() {
        return List.copyOf(byHash.values());
    }

    /** Lets {@code n} more revocation writes succeed, then fails every one: a function that dies midway. */
    public synchronized void failRevocationsAfter(int n) {
        revocationsLeft = n;
    }

    private volatile Runnable beforeCreate = () -> { };
    private volatile Consumer<String> afterFind = hash -> { };

    /** Runs before each token is written, outside the repository's lock: a test's interleaving. */
    public void beforeCreate(Runnable hook) {
        this.beforeCreate = hook;
    }

    /** Runs after each look-up by hash, outside the repository's lock (it may wait for other threads). */
    public void afterFindBySecretHash(Consumer<String> hook) {
        this.afterFind = hook;
    }

    @Override
    public void create(TokenRecord token) {
        beforeCreate.run();
        createNow(token);
    }

    private synchronized void createNow(TokenRecord token) {
        if (byHash.containsKey(token.secretHash())) {
            throw new IllegalStateException("duplicate token hash");
        }
        if (token.maker() != null) {
            children.computeIfAbsent(token.maker().secretHash(), k -> new ArrayList<>()).add(token.secretHash());
        }
        byHash.put(token.secretHash(), token);
    }

    @Override
    public Optional<TokenRecord> findBySecretHash(String sha256Hex) {
        Optional<TokenRecord> found = findNow(sha256Hex);
        afterFind.accept(sha256Hex);
        return found;
    }

    private synchronized Optional<TokenRecord> findNow(String sha256Hex) {
        lookups++;
        return Optional.ofNullable(byHash.get(sha256Hex));
    }

    @Override
    public synchronized List<TokenRecord> list(String after, int limit) {
        return byHash.values().stream().sorted(Comparator.comparing(TokenRecord::id))
                .filter(t -> after == null || t.id().compareTo(after) > 0).limit(limit).toList();
    }

    @Override
    public synchronized List<TokenRecord> findById(String id) {
        return byHash.values().stream().filter(t -> t.id().equals(id)).toList();
    }

    @Override
    public synchronized List<String> madeBy(String makerSecretHash) {
        return List.copyOf(children.getOrDefault(makerSecretHash, List.of()));
    }

    @Override
    public synchronized void revokeHash(String secretHash, Instant at) {
        if (revocationsLeft-- <= 0) {
            throw new IllegalStateException("the function died");
        }
        TokenRecord t = byHash.get(secretHash);
        if (t != null && t.revokedAt() == null) {
            byHash.put(secretHash, t.revoked(at));
        }
    }
}
