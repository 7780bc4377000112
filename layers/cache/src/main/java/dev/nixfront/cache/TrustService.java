package dev.nixfront.cache;

import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.api.Durations;
import dev.nixfront.api.OidcTokenRequest;
import dev.nixfront.api.TrustInfo;
import dev.nixfront.api.TrustList;
import dev.nixfront.api.TrustRequest;
import dev.nixfront.cache.oidc.IdToken;
import dev.nixfront.cache.oidc.IdTokenException;
import dev.nixfront.cache.oidc.IssuerKeys;
import dev.nixfront.cache.oidc.SubjectPattern;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.Permission;
import dev.nixfront.cache.port.TokenRecord;
import dev.nixfront.cache.port.TrustRecord;
import dev.nixfront.cache.port.TrustRepository;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * OpenID Connect trusts and the token exchange: a cache's admin trusts the ID tokens of an issuer
 * (GitHub Actions by default) for an audience and a subject pattern, and a CI job then trades such
 * an ID token, its only credential, for a short-lived read and write token of that one cache.
 *
 * <p>A trust records the token that added it, and every token given out is made in that token's
 * name ({@link TokenService#create}), so it is bounded like any token it made: within its scope,
 * expiring no later than its chain, bound to the cache's incarnation, with the read path's entries,
 * and revoked with it. Trusts are keyed by the cache's incarnation: a cache created again starts with
 * none, and a deleted cache's trusts are swept with it.
 *
 * <p>The exchange fails closed, answering before any key is fetched when no trust of the cache names
 * the token's issuer. Every refusal of a well-formed ID token is the same 401, whether the cache
 * exists, trusts the issuer or expects the audience, so the unauthenticated route tells nothing
 * about which caches exist or whom they trust; the reason is logged.
 */
public final class TrustService {
    /** The longest lifetime a trust may give its tokens. */
    public static final Duration MAX_TTL = Duration.ofHours(1);
    public static final Duration MIN_TTL = Duration.ofMinutes(1);
    private static final int MAX_AUDIENCE = 256;
    /** The reason of every refusal of a well-formed ID token, whatever was wrong with it. */
    public static final String REFUSAL = "no trust of this cache accepts this ID token";

    private final CacheRepository caches;
    private final TrustRepository trusts;
    private final TokenService tokens;
    private final IssuerKeys keys;
    private final Clock clock;
    private final SecureRandom random;
    private final boolean privateAddresses;
    private final CacheLookup lookup;

    TrustService(CacheRepository caches, TrustRepository trusts, TokenService tokens, IssuerKeys keys, Clock clock,
                 SecureRandom random, boolean privateAddresses) {
        this.caches = Objects.requireNonNull(caches);
        this.trusts = Objects.requireNonNull(trusts);
        this.tokens = Objects.requireNonNull(tokens);
        this.keys = Objects.requireNonNull(keys);
        this.clock = Objects.requireNonNull(clock);
        this.random = Objects.requireNonNull(random);
        this.privateAddresses = privateAddresses;
        this.lookup = new CacheLookup(caches);
    }

    /** Adds a trust to a cache the caller administers; the caller becomes the maker of every token it gives out. */
    public TrustInfo add(Principal principal, String cache, TrustRequest request) {
        CacheRecord record = lookup.require(principal, cache, Permission.ADMIN);
        if (request == null) {
            throw DomainException.invalid(null, "the request needs a JSON body");
        }
        if (principal.tokenHash() == null) {
            throw new IllegalStateException("only an authenticated token adds trusts: it is their tokens' maker");
        }
        String issuer = issuer(request.issuer() == null ? TrustRequest.GITHUB_ACTIONS : request.issuer());
        String problem = SubjectPattern.problem(request.subject());
        if (problem != null) {
            throw DomainException.invalid("subject", problem);
        }
        String audience = request.audience() == null ? TrustRequest.DEFAULT_AUDIENCE : request.audience();
        if (audience.isEmpty() || audience.length() > MAX_AUDIENCE || !audience.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
            throw DomainException.invalid("audience", "1 to " + MAX_AUDIENCE + " printable ASCII characters without spaces");
        }
        Duration ttl = ttl(request.ttl());
        List<TrustRecord> existing = trusts.list(record);
        if (existing.size() >= TrustList.MAX) {
            throw DomainException.tooMany("trusts", "a cache has at most " + TrustList.MAX + " trusts; remove one first");
        }
        byte[] id = new byte[8];
        random.nextBytes(id);
        TrustRecord trust = new TrustRecord("tr_" + HexFormat.of().formatHex(id), issuer, request.subject(), audience, ttl,
                clock.instant(), new TokenRecord.Maker(principal.tokenId(), principal.tokenHash()));
        trusts.create(record, trust);
        // Check after the write: adds racing past the count above each see the others' writes now
        // (the list is read consistently), and any that finds the cache over the limit takes its own
        // trust back. The add whose list came last saw every trust kept, so at most MAX stay.
        if (trusts.list(record).size() > TrustList.MAX) {
            boolean takenBack = trusts.delete(record, trust.id());
            throw DomainException.tooMany("trusts", "a cache has at most " + TrustList.MAX + " trusts; remove one first"
                    + (takenBack ? "" : " (this one is gone already: was the cache deleted meanwhile?)"));
        }
        return info(record.name(), trust);
    }

    /** The cache's trusts, for its admins. */
    public TrustList list(Principal principal, String cache) {
        CacheRecord record = lookup.require(principal, cache, Permission.ADMIN);
        return new TrustList(trusts.list(record).stream().map(t -> info(record.name(), t)).toList());
    }

    /** Removes a trust; the tokens it gave out stay valid until they expire (revoke its maker to end them at once). */
    public void remove(Principal principal, String cache, String id) {
        CacheRecord record = lookup.require(principal, cache, Permission.ADMIN);
        if (id == null || !id.matches(TrustRecord.ID_PATTERN)) {
            throw DomainException.invalid("id", "a trust id looks like tr_3f9a0c1d2b4e5f60");
        }
        if (!trusts.delete(record, id)) {
            throw DomainException.notFound("id", "cache " + record.name() + " has no trust " + id);
        }
    }

    /**
     * Trades an ID token for a read and write token of {@code request.cache()}: 400 for a request or
     * an ID token that is not well formed (which only describes the caller's own input), and once it
     * is, one and the same 401 ({@link #REFUSAL}, field {@code idToken}) for every refusal: no trust
     * of the cache names the issuer (or no such cache), no key, a bad signature, the times, the
     * audience, the subject, a trust whose maker no longer works. Saying which would tell anyone
     * which caches trust an issuer, which audience a trust expects and that a subject was the only
     * thing wrong, and who made the trust; the specific reason goes to the function log only
     * ({@link DomainException#detail()}). Nothing is written unless a token is made.
     */
    public CreatedToken exchange(OidcTokenRequest request) {
        if (request == null) {
            throw DomainException.invalid(null, "the request needs a JSON body");
        }
        CacheName name = CacheLookup.name(request.cache(), "cache");
        Instant now = clock.instant();
        try {
            IdToken token = IdToken.parse(request.idToken());
            String issuer = token.issuer();
            Optional<CacheRecord> cache = caches.get(name).filter(CacheRecord::live);
            List<TrustRecord> ofIssuer = cache.map(trusts::list).orElse(List.of()).stream()
                    .filter(t -> t.issuer().equals(issuer)).toList();
            if (ofIssuer.isEmpty()) {
                throw refused(name, "idToken.iss", (cache.isEmpty() ? "no such cache, so it" : "it")
                        + " trusts no ID tokens of issuer '" + printable(issuer) + "'");
            }
            token.verify(keys.key(issuer, token.keyId(), now), now);
            List<String> audience = token.audience();
            List<TrustRecord> forUs = ofIssuer.stream().filter(t -> audience.contains(t.audience())).toList();
            if (forUs.isEmpty()) {
                throw refused(name, "idToken.aud", "the token is for " + printable(String.join(", ", audience))
                        + ", which no trust for this issuer expects");
            }
            String subject = token.subject();
            TrustRecord trust = forUs.stream().filter(t -> SubjectPattern.matches(t.subject(), subject)).findFirst()
                    .orElseThrow(() -> refused(name, "idToken.sub", "no trust accepts subject '" + printable(subject) + "'"));
            return mint(cache.orElseThrow(), trust, subject, now);
        } catch (IdTokenException e) {
            throw e.malformed() ? DomainException.invalid(e.field(), e.getMessage()) : refused(name, e.field(), e.getMessage());
        }
    }

    private CreatedToken mint(CacheRecord cache, TrustRecord trust, String subject, Instant now) {
        Principal maker;
        try {
            maker = tokens.maker(trust.maker());
        } catch (DomainException e) {
            throw refused(cache.name(), "maker", "trust " + trust.id() + " was added by a token that no longer works: " + e.reason());
        }
        Instant expiresAt = now.plus(trust.ttl());
        if (maker.expiresAt() != null && maker.expiresAt().isBefore(expiresAt)) {
            expiresAt = maker.expiresAt();
        }
        String description = "oidc " + trust.id() + " " + subject;
        if (description.length() > 200) {
            description = description.substring(0, 197) + "...";
        }
        return tokens.create(maker, new CreateTokenRequest(description, List.of(cache.name().value()),
                List.of(Permission.READ.wire(), Permission.WRITE.wire()), expiresAt));
    }

    /** The one refusal of a well-formed ID token; what was wrong ({@code field}, {@code why}) is only logged. */
    private static DomainException refused(CacheName cache, String field, String why) {
        return DomainException.unauthenticated("idToken", REFUSAL, "ID token exchange for cache " + cache + " refused on " + field
                + ": " + why);
    }

    private static String printable(String text) {
        String cut = text.length() > 100 ? text.substring(0, 100) + "..." : text;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /**
     * An issuer URL: https (http only where the deployment allows private addresses), a host, no user
     * info, query or fragment, not a private literal address unless allowed; kept exactly as given,
     * since a token's {@code iss} must equal it.
     */
    private String issuer(String text) {
        if (text.length() > 1000) {
            throw DomainException.invalid("issuer", "at most 1000 characters");
        }
        if (!UpstreamSettings.printableAscii(text)) {
            // java.net.URI takes any non-ASCII character that is not a control or a space, a
            // right-to-left override among them, which would make trust list show another URL.
            throw DomainException.invalid("issuer", "printable ASCII only, without spaces (percent-encode the rest), got '"
                    + printable(text) + "'");
        }
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw DomainException.invalid("issuer", "not a URL: '" + printable(text) + "'");
        }
        if (!("https".equals(url.getScheme()) || ("http".equals(url.getScheme()) && privateAddresses))) {
            throw DomainException.invalid("issuer", "an issuer is an https URL" + (privateAddresses ? " (or http here)" : "")
                    + ", got '" + printable(text) + "'");
        }
        if (url.getHost() == null || url.getRawUserInfo() != null || url.getRawQuery() != null || url.getRawFragment() != null) {
            throw DomainException.invalid("issuer", "an issuer URL is a host and a path, without user info, query or fragment");
        }
        if (!privateAddresses && !UpstreamSettings.publicHost(url.getHost())) {
            throw DomainException.invalid("issuer", url.getHost() + " is a loopback, link-local or private address, or a name"
                    + " without a domain, which this deployment does not fetch from");
        }
        return text;
    }

    private static Duration ttl(String text) {
        if (text == null) {
            return MAX_TTL;
        }
        Duration ttl;
        try {
            ttl = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw DomainException.invalid("ttl", e.getMessage());
        }
        if (ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
            throw DomainException.invalid("ttl", "between 1m and 1h, got " + text);
        }
        return ttl;
    }

    static TrustInfo info(CacheName cache, TrustRecord t) {
        return new TrustInfo(t.id(), cache.value(), t.issuer(), t.subject(), t.audience(), t.ttl().toSeconds(), t.createdAt(),
                t.maker().id());
    }
}
