package dev.nixfront.cache.port;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A trust of a cache: ID tokens of {@code issuer} for {@code audience} whose subject matches
 * {@code subject} are exchanged for read and write tokens of the cache, valid {@code ttl}. The token
 * that added it is recorded as its {@code maker}: the tokens given out are made in its name, so they
 * stop working when it is revoked or expires, like any token it made.
 * DynamoDB item {@code pk=TRUSTS#<cache>.<incarnation> sk=<id>}.
 *
 * @param id      {@code tr_} and 16 hex digits
 * @param subject exact, or with {@code *} for one or more characters other than {@code :}
 */
public record TrustRecord(String id, String issuer, String subject, String audience, Duration ttl, Instant createdAt,
                          TokenRecord.Maker maker) {
    public static final String ID_PATTERN = "tr_[0-9a-f]{16}";

    public TrustRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(maker, "maker");
        if (!id.matches(ID_PATTERN)) {
            throw new IllegalArgumentException("a trust id is tr_ and 16 hex digits, got '" + id + "'");
        }
    }
}
