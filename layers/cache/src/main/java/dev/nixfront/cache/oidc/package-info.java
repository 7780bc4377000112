/**
 * OpenID Connect ID tokens (RFC 7519 JWTs signed per RFC 7515) as GitHub Actions issues them, and the
 * keys that sign them. A token is three base64url parts, header, claims and signature:
 * <pre>
 * {"alg":"RS256","kid":"38826b17...","typ":"JWT","x5t":"..."}
 * {"iss":"https://token.actions.githubusercontent.com","aud":"nixfront",
 *  "sub":"repo:acme/site:ref:refs/heads/main","repository":"acme/site","ref":"refs/heads/main",
 *  "iat":1764090000,"nbf":1764089700,"exp":1764090300,"jti":"..."}
 * </pre>
 * The keys come from the issuer's discovery document, {@code <iss>/.well-known/openid-configuration}
 * ({@code {"issuer":"https://token.actions.githubusercontent.com","jwks_uri":
 * "https://token.actions.githubusercontent.com/.well-known/jwks",...}}), as a JWK set (RFC 7517):
 * {@code {"keys":[{"kty":"RSA","alg":"RS256","use":"sig","kid":"38826b17...","n":"4WpHpo...","e":"AQAB"}]}}.
 *
 * <p>Only RS256 is accepted, the one algorithm GitHub signs with; everything else ({@code none}, the
 * HMAC algorithms a public key could be abused as a secret for, ES256, unknown names) is refused
 * before any key is looked at. The JDK's {@code SHA256withRSA} checks the signature; Jackson (through
 * the API layer's strict reader, which refuses repeated properties) reads the JSON.
 */
package dev.nixfront.cache.oidc;
