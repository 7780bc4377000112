package dev.nixfront.cache;

import dev.nixfront.api.InvalidJsonException;
import dev.nixfront.api.Json;
import dev.nixfront.nix.Hash;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Who may read what through the read path: the rules the CloudFront viewer-request function
 * applies in AWS, and the local read server in local mode, to every {@code GET} or {@code HEAD} of
 * {@code /<cache>/<rest>}, against the {@link EdgeEntries} of the store:
 * <ol>
 * <li>the first path segment must be a cache name, and the rest of the path must hold no dot
 * segment ({@code .}, {@code ..}), no empty one, no encoded dot, slash or backslash and no
 * backslash, else 404;</li>
 * <li>{@code c:<cache>} must exist, else 404 (an unknown or deleted cache is not served at all,
 * and neither is a cache a store not yet filled lacks: it fails closed);</li>
 * <li>a public cache ({@code "p":false}) is read by anyone;</li>
 * <li>a private one needs {@code Authorization: Basic base64(login:token)} (what Nix sends from a
 * netrc file; the login is ignored) or {@code Bearer token}, else 401;</li>
 * <li>{@code t:<sha256 hex of token>:<cache>} (bound to the cache's incarnation) or
 * {@code t:<sha256 hex>:*}, unexpired, else 401;</li>
 * <li>then the request goes through.</li>
 * </ol>
 * A private cache's answers are then marked {@code private} ({@link #viewerCacheControl}), so no
 * shared cache downstream keeps a copy for others.
 */
public final class EdgeRules {
    /** What a 401 answers in {@code WWW-Authenticate}: curl (so Nix) then sends its netrc credentials. */
    public static final String CHALLENGE = "Basic realm=\"nixfront\"";
    private static final int MAX_TOKEN = 1024;
    private static final Pattern CACHE = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    /** A dot segment, an empty one, or a separator in disguise after the cache name: never a key of ours. */
    private static final Pattern DISGUISED = Pattern.compile("/\\.{0,2}(/|$)|%2e|%2f|%5c|\\\\", Pattern.CASE_INSENSITIVE);
    private static final Pattern BASE64 = Pattern.compile("([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?");

    private EdgeRules() {}

    /** The outcome of the rules for one request. */
    public enum Outcome {
        /** Serve it. */
        ALLOW(200),
        /** 401 with {@link #CHALLENGE}: a private cache, and no credential that reads it. */
        UNAUTHORIZED(401),
        /** 404: not a cache name, or no such cache. */
        NOT_FOUND(404);

        private final int status;

        Outcome(int status) {
            this.status = status;
        }

        /** The HTTP status of a refusal; 200 for {@link #ALLOW}. */
        public int status() {
            return status;
        }
    }

    /**
     * The rules' answer, and whether the cache is private (its answers get {@link #viewerCacheControl}).
     */
    public record Verdict(Outcome outcome, boolean privateCache) {
        public Verdict {
            Objects.requireNonNull(outcome, "outcome");
        }

        public boolean allowed() {
            return outcome == Outcome.ALLOW;
        }
    }

    /** A cache's entry, {@code {"p":true,"i":"3f9a0c1d2b4e5f60"}}. */
    record CacheEntry(Boolean p, String i) {}

    /** A token's entry, {@code {"i":"3f9a0c1d2b4e5f60","e":0}} ({@code i} absent for {@code *}). */
    record TokenEntry(String i, Long e) {}

    /**
     * Applies the rules to a read with these request headers (names in any case).
     *
     * @param uri   the request path, still percent-encoded, without the query
     * @param store the entries by key
     * @param now   epoch seconds
     */
    public static Verdict check(String method, String uri, Map<String, String> headers, Function<String, Optional<String>> store,
                                long now) {
        String authorization = null;
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (header.getKey().equalsIgnoreCase("authorization")) {
                authorization = header.getValue();
                break;
            }
        }
        return check(method, uri, authorization, store, now);
    }

    /**
     * Applies the rules to a read with this {@code Authorization} header (null: none).
     *
     * @param method {@code GET} or {@code HEAD}: the caller answers anything else (405) before asking
     */
    public static Verdict check(String method, String uri, String authorization, Function<String, Optional<String>> store,
                                long now) {
        if (!method.equals("GET") && !method.equals("HEAD")) {
            throw new IllegalArgumentException("only reads are checked, not " + method);
        }
        String cache = firstSegment(uri);
        if (cache == null || !CACHE.matcher(cache).matches() || DISGUISED.matcher(uri.substring(1 + cache.length())).find()) {
            return new Verdict(Outcome.NOT_FOUND, false);
        }
        CacheEntry entry = store.apply(EdgeEntries.CACHE_PREFIX + cache)
                .flatMap(value -> read(value, CacheEntry.class))
                .filter(c -> c.p() != null && c.i() != null)
                .orElse(null);
        if (entry == null) {
            return new Verdict(Outcome.NOT_FOUND, false);
        }
        if (!entry.p()) {
            return new Verdict(Outcome.ALLOW, false);
        }
        String token = token(authorization);
        if (token == null) {
            return new Verdict(Outcome.UNAUTHORIZED, true);
        }
        String hash = Hash.sha256(token.getBytes(StandardCharsets.US_ASCII)).toBase16();
        Optional<TokenEntry> named = store.apply(EdgeEntries.tokenKey(hash, cache)).flatMap(value -> read(value, TokenEntry.class));
        TokenEntry grant;
        if (named.isPresent()) {
            grant = named.get();
            if (!entry.i().equals(grant.i())) {
                return new Verdict(Outcome.UNAUTHORIZED, true);
            }
        } else {
            grant = store.apply(EdgeEntries.tokenKey(hash, "*")).flatMap(value -> read(value, TokenEntry.class)).orElse(null);
        }
        if (grant == null || grant.e() == null || (grant.e() != 0 && grant.e() <= now)) {
            return new Verdict(Outcome.UNAUTHORIZED, true);
        }
        return new Verdict(Outcome.ALLOW, true);
    }

    /**
     * A private cache's {@code Cache-Control} as the viewer gets it: a leading {@code public}
     * becomes {@code private} ({@code private, max-age=300}), so shared caches downstream do not
     * keep it; anything else, and every public cache's, unchanged.
     */
    public static String viewerCacheControl(String cacheControl, boolean privateCache) {
        if (!privateCache || cacheControl == null || !cacheControl.startsWith("public")) {
            return cacheControl;
        }
        return "private" + cacheControl.substring("public".length());
    }

    /** The first segment of {@code /<cache>/<rest>}, or null when the path does not start with '/'. */
    private static String firstSegment(String uri) {
        if (uri == null || !uri.startsWith("/")) {
            return null;
        }
        int end = uri.indexOf('/', 1);
        return uri.substring(1, end < 0 ? uri.length() : end);
    }

    /**
     * The token an {@code Authorization} value carries: {@code <scheme> <credential>}, the scheme
     * {@code Basic} or {@code Bearer} in any case, the credential trimmed of spaces around it. Null
     * for anything else, or a token that is not 1 to 1,024 printable ASCII characters.
     */
    static String token(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = trimSpaces(authorization);
        int space = value.indexOf(' ');
        if (space < 0) {
            return null;
        }
        String scheme = value.substring(0, space).toLowerCase(Locale.ROOT);
        String credential = trimSpaces(value.substring(space + 1));
        byte[] token;
        if (scheme.equals("bearer")) {
            token = credential.getBytes(StandardCharsets.ISO_8859_1);
            if (!credential.equals(new String(token, StandardCharsets.ISO_8859_1))) {
                return null;
            }
        } else if (scheme.equals("basic")) {
            if (credential.isEmpty() || !BASE64.matcher(credential).matches()) {
                return null;
            }
            byte[] decoded = Base64.getDecoder().decode(credential);
            int colon = -1;
            for (int i = 0; i < decoded.length && colon < 0; i++) {
                if (decoded[i] == ':') {
                    colon = i;
                }
            }
            if (colon < 0) {
                return null;
            }
            token = Arrays.copyOfRange(decoded, colon + 1, decoded.length);
        } else {
            return null;
        }
        if (token.length < 1 || token.length > MAX_TOKEN) {
            return null;
        }
        for (byte b : token) {
            if (b < 0x21 || b > 0x7e) {
                return null;
            }
        }
        return new String(token, StandardCharsets.US_ASCII);
    }

    /** Without the spaces (U+0020, nothing else) around it. */
    private static String trimSpaces(String text) {
        int from = 0;
        int to = text.length();
        while (from < to && text.charAt(from) == ' ') {
            from++;
        }
        while (to > from && text.charAt(to - 1) == ' ') {
            to--;
        }
        return text.substring(from, to);
    }

    private static <T> Optional<T> read(String value, Class<T> type) {
        try {
            return Optional.ofNullable(Json.read(value, type));
        } catch (InvalidJsonException | RuntimeException malformed) {
            // Fails closed: a value we cannot read grants nothing.
            return Optional.empty();
        }
    }
}
