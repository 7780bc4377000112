package dev.nixfront.cache;

import dev.nixfront.cache.port.TokenRecord;
import dev.nixfront.cache.port.TokenRepository;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One container's recent token records by secret hash, each reused for at most the lookup TTL:
 * how long a revocation made elsewhere may take to bite here. The makers a token is checked
 * against are remembered the same way, so checking a chain costs no more than one lookup per
 * maker per TTL. Unknown hashes are never remembered: a token created a moment ago elsewhere must
 * work as soon as the table has it.
 */
final class TokenLookups {
    private static final int MAX_REMEMBERED = 1024;

    private final TokenRepository tokens;
    private final Duration ttl;
    private final Map<String, Lookup> recent = new LinkedHashMap<>(16, 0.75f, true);

    private record Lookup(TokenRecord token, Instant at) {}

    TokenLookups(TokenRepository tokens, Duration ttl) {
        this.tokens = Objects.requireNonNull(tokens);
        this.ttl = Objects.requireNonNull(ttl);
    }

    /** The record of {@code hash}, remembered if it was read within the TTL before {@code now}. */
    Optional<TokenRecord> find(String hash, Instant now) {
        synchronized (recent) {
            Lookup cached = recent.get(hash);
            if (cached != null && !now.isBefore(cached.at()) && Duration.between(cached.at(), now).compareTo(ttl) < 0) {
                return Optional.of(cached.token());
            }
        }
        return read(hash, now);
    }

    /** The record of {@code hash} as the table has it now, remembered from here on. */
    Optional<TokenRecord> read(String hash, Instant now) {
        Optional<TokenRecord> found = tokens.findBySecretHash(hash);
        synchronized (recent) {
            if (found.isEmpty()) {
                recent.remove(hash);
                return found;
            }
            recent.put(hash, new Lookup(found.get(), now));
            if (recent.size() > MAX_REMEMBERED) {
                recent.remove(recent.keySet().iterator().next());
            }
        }
        return found;
    }

    /** Forgets these hashes, so this container sees its own revocations at once. */
    void forget(Collection<String> hashes) {
        synchronized (recent) {
            recent.keySet().removeAll(hashes);
        }
    }
}
