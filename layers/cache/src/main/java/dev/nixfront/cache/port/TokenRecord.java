package dev.nixfront.cache.port;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A bearer token as stored: never the secret, only its SHA-256 (hex), which is the table key.
 * DynamoDB item {@code pk=TOKEN#<secretHash> sk=TOKEN gsi1pk=TOKENS gsi1sk=<id>}.
 *
 * @param id          public identifier shown in listings and used to revoke, e.g. {@code tk_3f9a0c1d2b4e5f60}
 * @param secretHash  lowercase hex SHA-256 of the whole token text {@code nf_...}
 * @param description free text, may be null
 * @param expiresAt   null for a token that does not expire
 * @param revokedAt   null while the token is valid
 * @param maker       the token that made this one; null for a root: the bootstrap token, or a token
 *                    made before makers were recorded
 * @param incarnations for each cache the scope names, the incarnation it had when the token was made
 *                    ({@link CacheRecord#incarnation}): the token is good for that cache and no later
 *                    one of the same name. Empty for {@code *} tokens and for tokens older than
 *                    incarnations, which are bound to {@link CacheRecord#LEGACY_INCARNATION}
 */
public record TokenRecord(String id, String secretHash, String description, Scope scope,
                          Instant createdAt, Instant expiresAt, Instant revokedAt, Maker maker,
                          Map<String, String> incarnations) {
    private static final String HASH = "[0-9a-f]{64}";

    /**
     * The token a token was made with: its id, for people, and its secret hash, the key that finds
     * its record with one GetItem (a hash is a table key, not a secret).
     */
    public record Maker(String id, String secretHash) {
        public Maker {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(secretHash, "secretHash");
            if (!secretHash.matches(HASH)) {
                throw new IllegalArgumentException("a maker's secretHash is 64 lowercase hex digits");
            }
        }
    }

    public TokenRecord {
        incarnations = Map.copyOf(Objects.requireNonNull(incarnations, "incarnations"));
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(secretHash, "secretHash");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(createdAt, "createdAt");
        if (!secretHash.matches(HASH)) {
            throw new IllegalArgumentException("secretHash is 64 lowercase hex digits");
        }
        if (maker != null && maker.secretHash().equals(secretHash)) {
            throw new IllegalArgumentException("a token cannot be its own maker");
        }
    }

    /** A token bound to no incarnation: {@code *}, or made before incarnations. */
    public TokenRecord(String id, String secretHash, String description, Scope scope,
                       Instant createdAt, Instant expiresAt, Instant revokedAt, Maker maker) {
        this(id, secretHash, description, scope, createdAt, expiresAt, revokedAt, maker, Map.of());
    }

    /** A root token: one with no maker. */
    public TokenRecord(String id, String secretHash, String description, Scope scope,
                       Instant createdAt, Instant expiresAt, Instant revokedAt) {
        this(id, secretHash, description, scope, createdAt, expiresAt, revokedAt, null);
    }

    /** Whether the token itself may be used at {@code now}: not revoked and not (yet) expired. Its makers are not looked at. */
    public boolean activeAt(Instant now) {
        return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
    }

    public TokenRecord revoked(Instant at) {
        return new TokenRecord(id, secretHash, description, scope, createdAt, expiresAt, at, maker, incarnations);
    }
}
