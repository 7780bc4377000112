package dev.nixfront.cache;

import dev.nixfront.cache.port.TokenRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A token and its makers up to the root, checked as one: a token is valid only while every token
 * above it is, so revoking a token disables everything made with it, transitively, the moment the
 * revocation is read, whether or not the descendants have been marked revoked yet.
 *
 * @param depth     how many makers the token has above it (0 for a root)
 * @param expiresAt the earliest expiry along the chain, null if nothing on it expires
 */
record Lineage(int depth, Instant expiresAt) {
    /**
     * How many makers a token may have above it. Checking a token reads at most this many records
     * besides its own (each remembered for the lookup TTL), and revoking one walks at most this
     * many generations below it.
     */
    static final int MAX_DEPTH = 8;

    /**
     * Walks from {@code token} up through its makers, reading each with {@code find}, and throws
     * 401 naming the topmost revoked or expired token on the chain (the cause, when a revocation
     * has been passed down), or a maker that is not on record.
     */
    static Lineage of(TokenRecord token, Instant now, Function<String, Optional<TokenRecord>> find) {
        List<TokenRecord> chain = new ArrayList<>();
        chain.add(token);
        TokenRecord link = token;
        while (link.maker() != null) {
            if (chain.size() > MAX_DEPTH) {
                throw DomainException.unauthenticated("token " + token.id() + " has more than " + MAX_DEPTH
                        + " makers above it");
            }
            TokenRecord.Maker maker = link.maker();
            int depth = chain.size();
            link = find.apply(maker.secretHash()).filter(r -> r.id().equals(maker.id()))
                    .orElseThrow(() -> DomainException.unauthenticated(subject(token, depth, maker.id()) + " is not on record"));
            chain.add(link);
        }
        Instant expiresAt = null;
        for (int depth = chain.size() - 1; depth >= 0; depth--) {
            TokenRecord t = chain.get(depth);
            if (t.revokedAt() != null) {
                throw DomainException.unauthenticated(subject(token, depth, t.id()) + " was revoked at " + t.revokedAt());
            }
            if (t.expiresAt() != null && !now.isBefore(t.expiresAt())) {
                throw DomainException.unauthenticated(subject(token, depth, t.id()) + " expired at " + t.expiresAt());
            }
            if (t.expiresAt() != null && (expiresAt == null || t.expiresAt().isBefore(expiresAt))) {
                expiresAt = t.expiresAt();
            }
        }
        return new Lineage(chain.size() - 1, expiresAt);
    }

    /** "token tk_a", "token tk_a was made by tk_m, which", "token tk_a descends from tk_r, which". */
    private static String subject(TokenRecord token, int depth, String id) {
        return switch (depth) {
            case 0 -> "token " + token.id();
            case 1 -> "token " + token.id() + " was made by " + id + ", which";
            default -> "token " + token.id() + " descends from " + id + ", which";
        };
    }
}
