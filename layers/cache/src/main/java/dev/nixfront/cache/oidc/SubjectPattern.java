package dev.nixfront.cache.oidc;

/**
 * What a trust asks of a token's {@code sub}: the text itself, or with {@code *} standing for one or
 * more characters other than {@code :}. GitHub's subjects are {@code :}-separated fields
 * ({@code repo:acme/site:ref:refs/heads/main}, {@code repo:acme/site:environment:prod},
 * {@code repo:acme/site:pull_request}) and neither owners, repositories nor git refs contain a
 * {@code :}, so a {@code *} never reaches into another field: {@code repo:acme/site:ref:refs/heads/*}
 * is every branch of that repository and nothing of a pull request or an environment.
 *
 * <p>The first field and the second up to its first {@code /} must be literal (the owner, for
 * GitHub): {@code repo:*:ref:refs/heads/main} would trust every repository on GitHub. Printable ASCII
 * without spaces, at most {@value #MAX_LENGTH} characters, subjects too.
 */
public final class SubjectPattern {
    public static final int MAX_LENGTH = 256;

    private SubjectPattern() {}

    /** Why {@code pattern} is not a subject pattern, or null if it is one. */
    public static String problem(String pattern) {
        if (pattern == null || pattern.isEmpty()) {
            return "give the subject to trust, such as repo:acme/site:ref:refs/heads/main";
        }
        if (!printable(pattern)) {
            return "a subject has at most " + MAX_LENGTH + " printable ASCII characters without spaces";
        }
        if (pattern.contains("**")) {
            return "'**' means nothing more than '*'; write one";
        }
        String[] fields = pattern.split(":", -1);
        String owner = fields.length > 1 ? fields[1] : "";
        int slash = owner.indexOf('/');
        if (fields[0].contains("*") || (slash < 0 ? owner.contains("*") : owner.substring(0, slash + 1).contains("*"))) {
            return "the first field and the owner (up to the first '/' of the second field) must be literal, so a trust"
                    + " never reaches another owner's repositories";
        }
        return null;
    }

    /** Whether {@code subject} is what {@code pattern} (a valid one) asks for; linear in their product, never backtracking. */
    public static boolean matches(String pattern, String subject) {
        if (!printable(subject)) {
            return false;
        }
        // can[s]: the pattern read so far matches the subject's first s characters.
        boolean[] can = new boolean[subject.length() + 1];
        can[0] = true;
        for (int p = 0; p < pattern.length(); p++) {
            char c = pattern.charAt(p);
            boolean[] next = new boolean[subject.length() + 1];
            for (int s = 1; s <= subject.length(); s++) {
                char at = subject.charAt(s - 1);
                next[s] = c == '*'
                        // One more character of this field (never a ':'), after the star's first or after the text before it.
                        ? at != ':' && (can[s - 1] || next[s - 1])
                        : at == c && can[s - 1];
            }
            can = next;
        }
        return can[subject.length()];
    }

    private static boolean printable(String text) {
        return text.length() <= MAX_LENGTH && text.chars().allMatch(c -> c > ' ' && c < 0x7f);
    }
}
