package dev.nixfront.cache.oidc;

import dev.nixfront.api.InvalidJsonException;
import dev.nixfront.api.Json;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A compact JWS as read, before anything about it is believed: its header and claims, the bytes its
 * signature covers and the signature. {@link #parse} checks the form and the header; the caller
 * then finds the key for {@link #issuer()} and {@link #keyId()} and calls {@link #verify}, which
 * checks the signature first and the time claims after.
 */
public final class IdToken {
    /** Far above GitHub's (about 1.2 KB), small enough that reading one costs nothing. */
    public static final int MAX_LENGTH = 8 * 1024;
    /** How far the issuer's clock may be from ours. */
    public static final Duration SKEW = Duration.ofSeconds(60);
    /** The longest {@code exp - iat} accepted: GitHub's tokens live minutes. */
    public static final Duration MAX_LIFETIME = Duration.ofHours(1);
    private static final Pattern PART = Pattern.compile("[A-Za-z0-9_-]+");

    private final Map<String, Object> header;
    private final Map<String, Object> claims;
    private final byte[] signingInput;
    private final byte[] signature;

    private IdToken(Map<String, Object> header, Map<String, Object> claims, byte[] signingInput, byte[] signature) {
        this.header = header;
        this.claims = claims;
        this.signingInput = signingInput;
        this.signature = signature;
    }

    /**
     * Reads {@code text} as {@code header.claims.signature}, each unpadded base64url, header and
     * claims JSON objects without repeated names; the header must say {@code "alg":"RS256"}, name a
     * {@code kid} and carry no {@code crit} (no extension is understood here).
     */
    public static IdToken parse(String text) throws IdTokenException {
        if (text == null || text.isEmpty()) {
            throw IdTokenException.malformed("idToken", "give the ID token, a JWT");
        }
        if (text.length() > MAX_LENGTH) {
            throw IdTokenException.malformed("idToken", "an ID token has at most " + MAX_LENGTH + " characters, got " + text.length());
        }
        String[] parts = text.split("\\.", -1);
        if (parts.length != 3) {
            throw IdTokenException.malformed("idToken", "a JWT is three base64url parts separated by '.', got " + parts.length);
        }
        // An empty signature is an unsecured JWT: read on, so that the refusal names its alg.
        if (!PART.matcher(parts[0]).matches() || !PART.matcher(parts[1]).matches()
                || !(parts[2].isEmpty() || PART.matcher(parts[2]).matches())) {
            throw IdTokenException.malformed("idToken", "a JWT's parts are unpadded base64url, header and claims not empty");
        }
        Map<String, Object> header = object(parts[0], "idToken.header");
        Map<String, Object> claims = object(parts[1], "idToken.claims");
        Object alg = header.get("alg");
        if (!"RS256".equals(alg)) {
            throw IdTokenException.refused("idToken.header.alg", "only RS256 is accepted, got "
                    + (alg instanceof String s ? "'" + printable(s) + "'" : "no algorithm"));
        }
        if (header.containsKey("crit")) {
            throw IdTokenException.refused("idToken.header.crit", "no critical header extension is understood here");
        }
        if (!(header.get("kid") instanceof String kid) || kid.isEmpty()) {
            throw IdTokenException.refused("idToken.header.kid", "the header must name the signing key (kid)");
        }
        return new IdToken(header, claims, (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII),
                decode(parts[2], "idToken.signature"));
    }

    private static Map<String, Object> object(String part, String field) throws IdTokenException {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = Json.read(decode(part, field), Map.class);
            if (map == null) {
                throw IdTokenException.malformed(field, "not a JSON object");
            }
            return map;
        } catch (InvalidJsonException e) {
            throw IdTokenException.malformed(field, "not a JSON object: " + e.reason());
        }
    }

    private static byte[] decode(String part, String field) throws IdTokenException {
        try {
            return Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw IdTokenException.malformed(field, "not base64url");
        }
    }

    /** The {@code kid} of the header. */
    public String keyId() {
        return (String) header.get("kid");
    }

    /** The unverified {@code iss}: which issuer's keys to check the signature with. */
    public String issuer() throws IdTokenException {
        return string("iss");
    }

    /** {@code sub}, once verified. */
    public String subject() throws IdTokenException {
        return string("sub");
    }

    /** {@code aud}: one string or an array of strings. */
    public List<String> audience() throws IdTokenException {
        Object aud = claims.get("aud");
        if (aud instanceof String s) {
            return List.of(s);
        }
        if (aud instanceof List<?> list && !list.isEmpty() && list.stream().allMatch(String.class::isInstance)) {
            return list.stream().map(String.class::cast).toList();
        }
        throw IdTokenException.refused("idToken.aud", "the token must name its audience (aud), a string or strings");
    }

    private String string(String claim) throws IdTokenException {
        if (claims.get(claim) instanceof String s && !s.isEmpty()) {
            return s;
        }
        throw IdTokenException.refused("idToken." + claim, "the token must carry " + claim + ", a string");
    }

    /**
     * Checks the signature with {@code key} (RS256), then the times against {@code now}: {@code exp}
     * and {@code iat} present, not expired, not issued or valid only in the future ({@code nbf}), all
     * within {@link #SKEW}, and {@code exp - iat} at most {@link #MAX_LIFETIME}.
     */
    public void verify(RSAPublicKey key, Instant now) throws IdTokenException {
        boolean valid;
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initVerify(key);
            rsa.update(signingInput);
            valid = signature.length == (key.getModulus().bitLength() + 7) / 8 && rsa.verify(signature);
        } catch (GeneralSecurityException e) {
            valid = false;
        }
        if (!valid) {
            throw IdTokenException.refused("idToken.signature", "the signature does not verify with key " + printable(keyId()));
        }
        Instant exp = time("exp", true);
        Instant iat = time("iat", true);
        Instant nbf = time("nbf", false);
        if (!now.isBefore(exp.plus(SKEW))) {
            throw IdTokenException.refused("idToken.exp", "the token expired at " + exp);
        }
        if (nbf != null && now.plus(SKEW).isBefore(nbf)) {
            throw IdTokenException.refused("idToken.nbf", "the token is not valid before " + nbf);
        }
        if (now.plus(SKEW).isBefore(iat)) {
            throw IdTokenException.refused("idToken.iat", "the token says it was issued at " + iat + ", in the future");
        }
        if (Duration.between(iat, exp).compareTo(MAX_LIFETIME) > 0 || exp.isBefore(iat)) {
            throw IdTokenException.refused("idToken.exp", "a token may live at most " + MAX_LIFETIME.toMinutes()
                    + " minutes from iat to exp");
        }
    }

    private Instant time(String claim, boolean required) throws IdTokenException {
        Object value = claims.get(claim);
        if (value == null && !required) {
            return null;
        }
        if (!(value instanceof Number n) || !(n instanceof Integer || n instanceof Long)) {
            throw IdTokenException.refused("idToken." + claim, "the token must carry " + claim + ", whole seconds since 1970");
        }
        long seconds = n.longValue();
        if (seconds < 0 || seconds > 253_402_300_799L) {
            throw IdTokenException.refused("idToken." + claim, claim + " is out of range");
        }
        return Instant.ofEpochSecond(seconds);
    }

    /** Untrusted text cut short and stripped of anything unprintable, for a reason. */
    static String printable(String text) {
        String cut = text.length() > 100 ? text.substring(0, 100) + "..." : text;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
