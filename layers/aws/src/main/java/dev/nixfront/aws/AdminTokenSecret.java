package dev.nixfront.aws;

import dev.nixfront.nix.Hash;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The bootstrap admin token that the stack keeps in Secrets Manager (ARN in
 * {@code NIXFRONT_ADMIN_TOKEN_SECRET_ARN}). A function reads it once, at cold start, and keeps only
 * its SHA-256, the same form the token table stores, so the secret itself never stays in memory
 * longer than the read. The secret string is the token itself ({@code nf_...}); surrounding
 * whitespace is ignored.
 */
public final class AdminTokenSecret {
    private final String sha256Hex;

    private AdminTokenSecret(String sha256Hex) {
        this.sha256Hex = sha256Hex;
    }

    /** One GetSecretValue of the current version. */
    public static AdminTokenSecret read(SecretsManagerClient secretsManager, String secretArn) {
        Objects.requireNonNull(secretArn, "secretArn");
        String value = secretsManager.getSecretValue(b -> b.secretId(secretArn)).secretString();
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("the admin token secret " + secretArn + " has no string value");
        }
        return new AdminTokenSecret(sha256Hex(value.strip()));
    }

    /** Lowercase hex SHA-256 of the token text, comparable with a token record's secretHash. */
    public String sha256Hex() {
        return sha256Hex;
    }

    /** Whether the presented token is this one, compared in constant time. */
    public boolean matches(String presentedToken) {
        if (presentedToken == null) {
            return false;
        }
        return MessageDigest.isEqual(
                sha256Hex.getBytes(StandardCharsets.US_ASCII),
                sha256Hex(presentedToken).getBytes(StandardCharsets.US_ASCII));
    }

    private static String sha256Hex(String token) {
        return Hash.sha256(token.getBytes(StandardCharsets.UTF_8)).toBase16();
    }

    @Override
    public String toString() {
        return "AdminTokenSecret[sha256=" + sha256Hex.substring(0, 8) + "...]";
    }
}
