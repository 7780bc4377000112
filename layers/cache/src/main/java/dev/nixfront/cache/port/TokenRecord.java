package dev.nixfront.cache.port;

import java.time.Instant;
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
 */
public record TokenRecord(String id, String secretHash, String description, Scope scope,
                          Instant createdAt, Instant expiresAt, Instant revokedAt) {
    public TokenRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(secretHash, "secretHash");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(createdAt, "createdAt");
        if (!secretHash.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("secretHash is 64 lowercase hex digits");
        }
    }

    /** Whether the token may be used at {@code now}: not revoked and not (yet) expired. */
    public boolean activeAt(Instant now) {
        return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
    }

    public TokenRecord revoked(Instant at) {
        return new TokenRecord(id, secretHash, description, scope, createdAt, expiresAt, at);
    }
}
