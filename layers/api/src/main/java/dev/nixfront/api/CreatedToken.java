package dev.nixfront.api;

/** The answer to token creation: the only time the secret {@code nf_...} is ever shown. */
public record CreatedToken(String token, TokenInfo info) {
    @Override
    public String toString() {
        return "CreatedToken[token=<redacted>, info=" + info + "]";
    }
}
