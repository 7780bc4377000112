package dev.nixfront.cache.oidc;

import dev.nixfront.api.InvalidJsonException;
import dev.nixfront.api.Json;
import dev.nixfront.cache.port.UpstreamClient;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The signing keys of the issuers trusts name, fetched through the same client and under the same
 * rules as upstream narinfos: no redirects, bounded time and size, and unless the deployment allows
 * private addresses, https to public addresses only. Only issuers some trust names are ever asked
 * (the caller checks that first), so an ID token cannot send the function anywhere.
 *
 * <p>The discovery document must name the issuer itself and a {@code jwks_uri} on the same scheme,
 * host and port. Keys are kept {@link #FRESH} per container; a {@code kid} not among them fetches
 * again, at most once {@link #REFETCH_INTERVAL} per issuer, so a flood of made-up key ids costs the
 * issuer one request a minute. A failed fetch refuses the token (fail closed).
 *
 * <p>No lock is held across a fetch: each issuer has its own state and at most one fetch in flight,
 * which other callers for that issuer wait on, so one slow issuer (an admin of any cache can add
 * one) stalls only the exchanges that need its keys.
 */
public final class IssuerKeys {
    public static final Duration FRESH = Duration.ofMinutes(10);
    public static final Duration REFETCH_INTERVAL = Duration.ofMinutes(1);
    /** The largest discovery document or key set read. */
    public static final int MAX_DOCUMENT_BYTES = 64 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    /** How long a caller waits for another's fetch of the same issuer: both documents' bounds, and some. */
    private static final Duration WAIT = TIMEOUT.plusMillis(500).multipliedBy(2).plusSeconds(1);
    private static final int MIN_RSA_BITS = 2048;
    private static final int MAX_RSA_BITS = 8192;

    private final UpstreamClient client;
    private final boolean privateAddresses;
    private final ConcurrentMap<String, Issuer> issuers = new ConcurrentHashMap<>();

    private record Fetched(Map<String, RSAPublicKey> keys, Instant at) {
    }

    /**
     * What is known of one issuer: its keys, when it was last asked (whatever came of it: what
     * bounds the refetches), and the fetch in flight, if any. Guarded by its own lock, held only to
     * read or change these, never across a fetch: a slow issuer holds up no other issuer's exchanges.
     */
    private static final class Issuer {
        private Fetched fetched;
        private Instant attempt;
        private CompletableFuture<Fetched> inFlight;
    }

    public IssuerKeys(UpstreamClient client, boolean privateAddresses) {
        this.client = Objects.requireNonNull(client);
        this.privateAddresses = privateAddresses;
    }

    /**
     * The RS256 key {@code kid} of {@code issuer} (one a trust names), fetched if need be. At most
     * one fetch per issuer is in flight: a caller that would fetch while another does waits for
     * that one (at most {@link #WAIT}), and callers whose keys are kept never wait.
     */
    public RSAPublicKey key(String issuer, String kid, Instant now) throws IdTokenException {
        Issuer state = issuers.computeIfAbsent(issuer, i -> new Issuer());
        CompletableFuture<Fetched> fetch;
        boolean mine = false;
        synchronized (state) {
            Fetched known = state.fetched;
            if (known != null && now.isBefore(known.at().plus(FRESH)) && known.keys().containsKey(kid)) {
                return known.keys().get(kid);
            }
            if (state.inFlight != null) {
                fetch = state.inFlight;
            } else {
                Instant last = state.attempt;
                if (last != null && now.isBefore(last.plus(REFETCH_INTERVAL))) {
                    if (known != null && known.at().equals(last)) {
                        throw unknownKid(issuer, kid);
                    }
                    throw unavailable(issuer, "the last fetch, less than a minute ago, failed");
                }
                state.attempt = now;
                fetch = new CompletableFuture<>();
                state.inFlight = fetch;
                mine = true;
            }
        }
        Fetched latest = mine ? fetchFor(state, issuer, now, fetch) : await(issuer, fetch);
        RSAPublicKey key = latest.keys().get(kid);
        if (key == null) {
            throw unknownKid(issuer, kid);
        }
        return key;
    }

    /** Fetches the issuer's keys on this thread, records them, and hands the outcome to whoever waits. */
    private Fetched fetchFor(Issuer state, String issuer, Instant now, CompletableFuture<Fetched> fetch) throws IdTokenException {
        try {
            Fetched latest = new Fetched(fetch(issuer), now);
            synchronized (state) {
                state.fetched = latest;
                state.inFlight = null;
            }
            fetch.complete(latest);
            return latest;
        } catch (IdTokenException | RuntimeException e) {
            synchronized (state) {
                state.inFlight = null;
            }
            fetch.completeExceptionally(e);
            throw e;
        }
    }

    /** The outcome of another caller's fetch of the issuer's keys, waited for at most {@link #WAIT}. */
    private static Fetched await(String issuer, CompletableFuture<Fetched> fetch) throws IdTokenException {
        try {
            return fetch.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IdTokenException refused) {
                throw IdTokenException.refused(refused.field(), refused.getMessage());
            }
            throw unavailable(issuer, "fetching its keys failed");
        } catch (TimeoutException e) {
            throw unavailable(issuer, "another fetch of its keys took longer than " + WAIT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(issuer, "interrupted");
        }
    }

    private static IdTokenException unknownKid(String issuer, String kid) {
        return IdTokenException.refused("idToken.header.kid", "issuer " + issuer + " has no RS256 key " + IdToken.printable(kid));
    }

    private Map<String, RSAPublicKey> fetch(String issuer) throws IdTokenException {
        URI base = uri(issuer, issuer);
        URI discovery = URI.create(issuer.replaceAll("/+$", "") + "/.well-known/openid-configuration");
        Map<String, Object> configuration = document(issuer, discovery);
        if (!issuer.equals(configuration.get("issuer"))) {
            throw unavailable(issuer, "its discovery document names another issuer");
        }
        if (!(configuration.get("jwks_uri") instanceof String jwks)) {
            throw unavailable(issuer, "its discovery document names no jwks_uri");
        }
        URI keys = uri(issuer, jwks);
        if (!keys.getScheme().equals(base.getScheme()) || !keys.getHost().equalsIgnoreCase(base.getHost())
                || keys.getPort() != base.getPort()) {
            throw unavailable(issuer, "its jwks_uri is not on the issuer's own scheme, host and port");
        }
        Map<String, Object> set = document(issuer, keys);
        if (!(set.get("keys") instanceof List<?> list)) {
            throw unavailable(issuer, "its key set has no keys");
        }
        Map<String, RSAPublicKey> found = new HashMap<>();
        for (Object entry : list) {
            if (entry instanceof Map<?, ?> jwk && "RSA".equals(jwk.get("kty")) && jwk.get("kid") instanceof String kid
                    && (jwk.get("use") == null || "sig".equals(jwk.get("use")))
                    && (jwk.get("alg") == null || "RS256".equals(jwk.get("alg")))) {
                RSAPublicKey key = rsa(jwk.get("n"), jwk.get("e"));
                if (key != null) {
                    found.put(kid, key);
                }
            }
        }
        return Map.copyOf(found);
    }

    private URI uri(String issuer, String text) throws IdTokenException {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("https") || (scheme.equals("http") && privateAddresses)) || uri.getHost() == null
                    || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
                throw unavailable(issuer, IdToken.printable(text) + " is not an https URL with a host");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw unavailable(issuer, "not a URL: " + IdToken.printable(text));
        }
    }

    private Map<String, Object> document(String issuer, URI url) throws IdTokenException {
        UpstreamClient.Answer answer;
        CompletableFuture<UpstreamClient.Answer> asked = client.get(url, privateAddresses, TIMEOUT, MAX_DOCUMENT_BYTES);
        try {
            answer = asked.get(TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // A fixed reason: the issuer's text or the addresses its name resolved to stay out of the 401.
            throw unavailable(issuer, "fetching " + url + " failed: " + UpstreamClient.Failure.of(e).text());
        } catch (TimeoutException e) {
            // The client gives up at its own deadline; this only makes sure the exchange goes too.
            asked.cancel(true);
            throw unavailable(issuer, "fetching " + url + " took longer than " + TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(issuer, "interrupted");
        }
        if (answer.status() != 200) {
            throw unavailable(issuer, url + " answered " + answer.status() + " (redirects are not followed)");
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = Json.read(answer.body(), Map.class);
            if (map == null) {
                throw unavailable(issuer, url + " is not a JSON object");
            }
            return map;
        } catch (InvalidJsonException e) {
            throw unavailable(issuer, url + " is not a JSON object");
        }
    }

    private static IdTokenException unavailable(String issuer, String why) {
        return IdTokenException.refused("idToken.iss", "the keys of issuer " + issuer + " could not be read: " + why);
    }

    /** An RSA key of 2048 to 8192 bits from a JWK's n and e, or null if they are not one. */
    private static RSAPublicKey rsa(Object n, Object e) {
        if (!(n instanceof String modulus) || !(e instanceof String exponent)) {
            return null;
        }
        try {
            BigInteger m = new BigInteger(1, Base64.getUrlDecoder().decode(modulus));
            BigInteger x = new BigInteger(1, Base64.getUrlDecoder().decode(exponent));
            if (m.bitLength() < MIN_RSA_BITS || m.bitLength() > MAX_RSA_BITS || x.compareTo(BigInteger.valueOf(3)) < 0 || !x.testBit(0)) {
                return null;
            }
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(m, x));
        } catch (IllegalArgumentException | GeneralSecurityException bad) {
            return null;
        }
    }
}
