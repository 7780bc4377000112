package dev.nixfront.cache;

import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.api.TokenInfo;
import dev.nixfront.api.TokenList;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.cache.port.Scope;
import dev.nixfront.cache.port.TokenRecord;
import dev.nixfront.cache.port.TokenRepository;
import dev.nixfront.nix.Hash;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Bearer tokens: {@code nf_} + 32 random bytes in base64url, shown once at creation and stored
 * only as their SHA-256, so a leaked table does not leak usable tokens.
 *
 * <p>Lookups are kept per container for at most {@code tokenLookupTtl} (under a minute), which is
 * how long a revocation made elsewhere may take to bite; expiry is checked on every call against
 * the clock, so an expired token fails at once.
 */
public final class TokenService {
    public static final String PREFIX = "nf_";
    private static final int SECRET_BYTES = 32;
    private static final int MAX_CACHED = 1024;
    private static final int MAX_DESCRIPTION = 200;

    private final TokenRepository tokens;
    private final Clock clock;
    private final SecureRandom random;
    private final Duration lookupTtl;
    private final byte[] bootstrapHash;
    private final Map<String, Lookup> recent = new LinkedHashMap<>(16, 0.75f, true);

    private record Lookup(Optional<TokenRecord> token, Instant at) {}

    /**
     * @param bootstrapTokenHash SHA-256 hex of the deployment's bootstrap admin token (AWS: read from
     *                           Secrets Manager at cold start), or null when it lives in the table
     */
    public TokenService(TokenRepository tokens, Clock clock, SecureRandom random, Duration lookupTtl, String bootstrapTokenHash) {
        this.tokens = Objects.requireNonNull(tokens);
        this.clock = Objects.requireNonNull(clock);
        this.random = Objects.requireNonNull(random);
        this.lookupTtl = Objects.requireNonNull(lookupTtl);
        if (lookupTtl.compareTo(CacheSettings.MAX_TOKEN_LOOKUP_TTL) > 0) {
            throw new IllegalArgumentException("a token lookup may be reused for at most 60 s");
        }
        this.bootstrapHash = bootstrapTokenHash == null ? null : HexFormat.of().parseHex(bootstrapTokenHash);
    }

    /** The hex SHA-256 of a token text: its key in the table. */
    public static String hash(String token) {
        return Hash.sha256(token.getBytes(StandardCharsets.UTF_8)).toBase16();
    }

    /** A fresh token text, {@code nf_<43 base64url characters>}. */
    public static String newSecret(SecureRandom random) {
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** Checks an {@code Authorization} header value; 401 saying why when it does not pass. */
    public Principal authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw DomainException.unauthenticated("missing Authorization header; send 'Authorization: Bearer nf_...'");
        }
        String trimmed = authorization.strip();
        if (trimmed.length() < 7 || !trimmed.substring(0, 7).equalsIgnoreCase("bearer ")) {
            throw DomainException.unauthenticated("the Authorization header must be 'Bearer nf_...'");
        }
        String token = trimmed.substring(7).strip();
        if (!token.startsWith(PREFIX)) {
            throw DomainException.unauthenticated("not a nixfront token (they start with 'nf_')");
        }
        String hash = hash(token);
        if (bootstrapHash != null && MessageDigest.isEqual(bootstrapHash, HexFormat.of().parseHex(hash))) {
            return new Principal(Principal.BOOTSTRAP, Scope.admin());
        }
        Instant now = clock.instant();
        TokenRecord record = find(hash, now)
                .orElseThrow(() -> DomainException.unauthenticated("unknown token"));
        if (record.revokedAt() != null) {
            throw DomainException.unauthenticated("token " + record.id() + " was revoked at " + record.revokedAt());
        }
        if (record.expiresAt() != null && !now.isBefore(record.expiresAt())) {
            throw DomainException.unauthenticated("token " + record.id() + " expired at " + record.expiresAt());
        }
        return new Principal(record.id(), record.scope());
    }

    /**
     * Creates a token. The caller needs admin on every cache it names, or on all caches for
     * {@code "*"}: nobody hands out more than they hold.
     */
    public CreatedToken create(Principal principal, CreateTokenRequest request) {
        if (request == null) {
            throw DomainException.invalid(null, "the request needs a JSON body");
        }
        if (request.caches().isEmpty()) {
            throw DomainException.invalid("caches", "name at least one cache, or \"*\" for all");
        }
        if (request.permissions().isEmpty()) {
            throw DomainException.invalid("permissions", "name at least one of read, write, admin");
        }
        for (int i = 0; i < request.caches().size(); i++) {
            String c = request.caches().get(i);
            if (!Scope.ALL.equals(c)) {
                CacheLookup.name(c, "caches[" + i + "]");
            }
        }
        for (int i = 0; i < request.permissions().size(); i++) {
            if (Permission.fromWire(request.permissions().get(i)) == null) {
                throw DomainException.invalid("permissions[" + i + "]", "unknown permission '"
                        + request.permissions().get(i) + "', expected read, write or admin");
            }
        }
        Scope scope;
        try {
            scope = Scope.fromLists(request.caches(), request.permissions());
        } catch (IllegalArgumentException e) {
            throw DomainException.invalid("caches", e.getMessage());
        }
        if (request.description() != null && request.description().length() > MAX_DESCRIPTION) {
            throw DomainException.invalid("description", "at most " + MAX_DESCRIPTION + " characters");
        }
        Instant now = clock.instant();
        if (request.expiresAt() != null && !request.expiresAt().isAfter(now)) {
            throw DomainException.invalid("expiresAt", "must be in the future, got " + request.expiresAt());
        }
        if (scope.allCaches()) {
            principal.requireEverywhere(Permission.ADMIN);
        } else {
            for (CacheName cache : scope.caches()) {
                principal.require(cache, Permission.ADMIN);
            }
        }
        String secret = newSecret(random);
        byte[] id = new byte[8];
        random.nextBytes(id);
        TokenRecord record = new TokenRecord("tk_" + HexFormat.of().formatHex(id), hash(secret), request.description(),
                scope, now, request.expiresAt(), null);
        tokens.create(record);
        return new CreatedToken(secret, info(record));
    }

    public TokenList list(Principal principal) {
        principal.requireEverywhere(Permission.ADMIN);
        return new TokenList(tokens.list().stream().map(TokenService::info).toList());
    }

    public void revoke(Principal principal, String id) {
        principal.requireEverywhere(Permission.ADMIN);
        if (id == null || !id.matches("tk_[0-9a-f]{16}")) {
            throw DomainException.invalid("id", "a token id looks like tk_3f9a0c1d2b4e5f60");
        }
        if (!tokens.revoke(id, clock.instant())) {
            throw DomainException.notFound("id", "no token with id " + id);
        }
        synchronized (recent) {
            // This container sees its own revocation at once; others within the lookup TTL.
            recent.values().removeIf(l -> l.token().map(t -> t.id().equals(id)).orElse(false));
        }
    }

    static TokenInfo info(TokenRecord t) {
        return new TokenInfo(t.id(), t.description(), t.scope().cacheList(), t.scope().permissionList(), t.createdAt(),
                t.expiresAt(), t.revokedAt());
    }

    private Optional<TokenRecord> find(String hash, Instant now) {
        synchronized (recent) {
            Lookup cached = recent.get(hash);
            if (cached != null && !now.isBefore(cached.at()) && Duration.between(cached.at(), now).compareTo(lookupTtl) < 0) {
                return cached.token();
            }
        }
        Optional<TokenRecord> found = tokens.findBySecretHash(hash);
        if (found.isEmpty()) {
            // Not remembered: a token created a moment ago elsewhere must work as soon as the table has it.
            return found;
        }
        synchronized (recent) {
            recent.put(hash, new Lookup(found, now));
            if (recent.size() > MAX_CACHED) {
                recent.remove(recent.keySet().iterator().next());
            }
        }
        return found;
    }
}
