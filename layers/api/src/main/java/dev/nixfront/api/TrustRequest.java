package dev.nixfront.api;

/**
 * {@code POST /v1/caches/{cache}/trusts}: let the holders of OpenID Connect ID tokens from an issuer
 * exchange them for short-lived write tokens of this cache, e.g.
 * {@code {"subject":"repo:acme/site:ref:refs/heads/main","audience":"nixfront","ttl":"1h"}}.
 *
 * @param issuer   the token issuer, exactly as its tokens' {@code iss}; null: {@value #GITHUB_ACTIONS}
 * @param subject  the {@code sub} a token must have: exact, or with {@code *} standing for any run of
 *                 characters other than {@code :} (so {@code repo:acme/*:ref:refs/heads/main} never
 *                 matches another owner or a pull request)
 * @param audience what a token's {@code aud} must contain; null: {@value #DEFAULT_AUDIENCE}
 * @param ttl      the lifetime of the tokens given out ({@link Durations}), 1 minute to 1 hour; null: 1 hour
 */
public record TrustRequest(String issuer, @Required String subject, String audience, String ttl) {
    /** GitHub Actions' issuer. */
    public static final String GITHUB_ACTIONS = "https://token.actions.githubusercontent.com";
    /** The audience a trust expects unless it names one. */
    public static final String DEFAULT_AUDIENCE = "nixfront";
}
