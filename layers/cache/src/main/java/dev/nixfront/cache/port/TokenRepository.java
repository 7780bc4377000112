package dev.nixfront.cache.port;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Where tokens are recorded, keyed by the hash of their secret. */
public interface TokenRepository {
    /** Stores a new token (conditional on its key being new; a collision of 256-bit secrets is not a case to handle). */
    void create(TokenRecord token);

    /** The token whose secret hashes to {@code sha256Hex}, revoked or not. */
    Optional<TokenRecord> findBySecretHash(String sha256Hex);

    /** Every token, sorted by id (a query of gsi1, never a scan). */
    List<TokenRecord> list();

    /** Every record with this id (one, except {@code tk_bootstrap}, which has one per secret value). */
    List<TokenRecord> findById(String id);

    /** Sets revokedAt on the token with this id unless already set; false if no such token. */
    boolean revoke(String id, Instant at);

    /** Sets revokedAt on the record of this secret hash unless already set. */
    void revokeHash(String secretHash, Instant at);
}
