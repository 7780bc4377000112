package dev.nixfront.api;

import java.time.Instant;

/**
 * A trust of a cache as listed: which ID tokens {@code POST /v1/oidc/token} exchanges for a
 * read and write token of the cache, valid {@code ttlSeconds}.
 *
 * @param createdBy the id of the token that added the trust: the tokens given out are made in its name
 */
public record TrustInfo(String id, String cache, String issuer, String subject, String audience, long ttlSeconds,
                        Instant createdAt, String createdBy) {
}
