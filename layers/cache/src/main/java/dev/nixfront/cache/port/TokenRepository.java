package dev.nixfront.cache.port;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Where tokens are recorded, keyed by the hash of their secret. */
public interface TokenRepository {
    /**
     * Stores a new token (conditional on its key being new; a collision of 256-bit secrets is not a
     * case to handle). A token with a maker is first recorded under its maker, so that from the
     * moment it exists {@link #madeBy} finds it; a failure between the two writes leaves at most a
     * note of a token that does not exist, which nothing can use.
     */
    void create(TokenRecord token);

    /** The token whose secret hashes to {@code sha256Hex}, revoked or not. */
    Optional<TokenRecord> findBySecretHash(String sha256Hex);

    /**
     * One page of the tokens in id order: those with an id after {@code after} (null: from the
     * start), at most {@code limit} of them (a query of gsi1, never a scan).
     */
    List<TokenRecord> list(String after, int limit);

    /** Every record with this id (one, except {@code tk_bootstrap}, which has one per secret value). */
    List<TokenRecord> findById(String id);

    /**
     * The secret hashes of the tokens made with the token of {@code makerSecretHash}, read
     * consistently: a token created before this call started is in the answer.
     */
    List<String> madeBy(String makerSecretHash);

    /** Sets revokedAt on the record of this secret hash unless already set; nothing if there is none. */
    void revokeHash(String secretHash, Instant at);
}
