package dev.nixfront.cache.fake;

import dev.nixfront.api.Json;
import dev.nixfront.cache.port.UpstreamClient;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An OpenID Connect issuer made in the test: RSA keys generated here, the discovery document and
 * key set it would serve ({@link #documents()}, by URL), and ID tokens signed (or mis-signed) the
 * way a test asks. {@link #client()} serves the documents as the upstream client port would; the
 * end-to-end tests serve them over HTTP on loopback.
 */
public final class TestIssuer {
    public final String url;
    public final String kid = "key-1";
    private final KeyPair keys;
    private final Map<String, String> documents = new ConcurrentHashMap<>();
    public final AtomicInteger fetches = new AtomicInteger();

    public TestIssuer(String url) {
        this.url = url;
        this.keys = generate();
        documents.put(url + "/.well-known/openid-configuration",
                Json.write(Map.of("issuer", url, "jwks_uri", url + "/.well-known/jwks")));
        documents.put(url + "/.well-known/jwks", jwks(Map.of(kid, (RSAPublicKey) keys.getPublic())));
    }

    public static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A JWK set of these RSA keys by kid. */
    public static String jwks(Map<String, RSAPublicKey> byKid) {
        return Json.write(Map.of("keys", byKid.entrySet().stream().map(e -> Map.of("kty", "RSA", "alg", "RS256", "use", "sig",
                "kid", e.getKey(), "n", b64(unsigned(e.getValue().getModulus())), "e", b64(unsigned(e.getValue().getPublicExponent()))))
                .toList()));
    }

    /** What the issuer serves, by URL; a test may change it. */
    public Map<String, String> documents() {
        return documents;
    }

    public RSAPublicKey publicKey() {
        return (RSAPublicKey) keys.getPublic();
    }

    public KeyPair keys() {
        return keys;
    }

    /** The port serving {@link #documents()}: 404 for anything else. */
    public UpstreamClient client() {
        return (url, privateAddresses, timeout, maxBytes) -> {
            fetches.incrementAndGet();
            String body = documents.get(url.toString());
            return CompletableFuture.completedFuture(body == null ? new UpstreamClient.Answer(404, "")
                    : new UpstreamClient.Answer(200, body));
        };
    }

    /** GitHub's claims for a job of {@code subject}, issued now and valid 5 minutes. */
    public Map<String, Object> claims(String subject, String audience, Instant now) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", url);
        claims.put("aud", audience);
        claims.put("sub", subject);
        claims.put("iat", now.getEpochSecond());
        claims.put("nbf", now.getEpochSecond() - 5);
        claims.put("exp", now.getEpochSecond() + 300);
        return claims;
    }

    /** An RS256 token of these claims signed with this issuer's key. */
    public String token(Map<String, Object> claims) {
        return sign(Map.of("alg", "RS256", "typ", "JWT", "kid", kid), claims, keys);
    }

    /** A token with this header and claims, signed as the header's alg says (RS256 with {@code with}, HS256 with the public key as secret, none). */
    public static String sign(Map<String, Object> header, Map<String, Object> claims, KeyPair with) {
        String input = b64(Json.writeBytes(header)) + "." + b64(Json.writeBytes(claims));
        byte[] bytes = input.getBytes(StandardCharsets.US_ASCII);
        try {
            byte[] signature = switch (String.valueOf(header.get("alg"))) {
                case "RS256" -> {
                    Signature rsa = Signature.getInstance("SHA256withRSA");
                    rsa.initSign(with.getPrivate());
                    rsa.update(bytes);
                    yield rsa.sign();
                }
                case "HS256" -> {
                    Mac mac = Mac.getInstance("HmacSHA256");
                    mac.init(new SecretKeySpec(with.getPublic().getEncoded(), "HmacSHA256"));
                    yield mac.doFinal(bytes);
                }
                default -> new byte[0];
            };
            return input + "." + b64(signature);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        return bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }

    /** The discovery URL of this issuer, for tests that move the key set. */
    public URI discovery() {
        return URI.create(url + "/.well-known/openid-configuration");
    }

    /** Serves the key set at {@code jwksUri} instead (another host, say). */
    public void moveKeys(String jwksUri) {
        documents.put(jwksUri, documents.get(url + "/.well-known/jwks"));
        documents.put(url + "/.well-known/openid-configuration", Json.write(Map.of("issuer", url, "jwks_uri", jwksUri)));
    }

    /** Rotates to a new key under {@code newKid}, keeping none of the old ones. */
    public KeyPair rotate(String newKid) {
        KeyPair next = generate();
        documents.put(url + "/.well-known/jwks", jwks(Map.of(newKid, (RSAPublicKey) next.getPublic())));
        return next;
    }

}
