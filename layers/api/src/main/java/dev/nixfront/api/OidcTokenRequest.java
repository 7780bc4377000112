package dev.nixfront.api;

/**
 * {@code POST /v1/oidc/token}, sent without a bearer token: the ID token is the credential.
 * {@code {"cache":"team","idToken":"eyJhbGciOiJSUzI1NiIs..."}} answers 201 with a {@link CreatedToken}
 * of read and write on that cache when a trust of the cache accepts the ID token.
 */
public record OidcTokenRequest(@Required String cache, @Required String idToken) {
    @Override
    public String toString() {
        return "OidcTokenRequest[cache=" + cache + ", idToken=<redacted>]";
    }
}
