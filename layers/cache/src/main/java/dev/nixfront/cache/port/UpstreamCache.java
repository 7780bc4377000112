package dev.nixfront.cache.port;

import dev.nixfront.nix.sign.PublicKey;
import java.net.URI;
import java.util.Objects;

/**
 * An upstream of a cache, as stored on the cache item: a binary cache URL and the key its narinfos
 * must be signed by. What a deployment allows as a URL (https only, no private addresses) is the
 * admin service's check; this record only holds a well-formed one.
 *
 * @param url the substituter URL: http(s), a host, no user info, query or fragment, no trailing slash
 * @param key the upstream's Ed25519 public key
 */
public record UpstreamCache(URI url, PublicKey key) {
    public UpstreamCache {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(key, "key");
        if (!"https".equals(url.getScheme()) && !"http".equals(url.getScheme())) {
            throw new IllegalArgumentException("an upstream URL is http(s), got " + url);
        }
        if (url.getHost() == null || url.getRawUserInfo() != null || url.getRawQuery() != null || url.getRawFragment() != null
                || url.getRawPath().endsWith("/")) {
            throw new IllegalArgumentException("an upstream URL has a host and no user info, query, fragment or trailing slash: " + url);
        }
    }

    /** Where the upstream serves the narinfo of the store path with this hash part. */
    public URI narInfo(String hashPart) {
        return URI.create(url + "/" + hashPart + ".narinfo");
    }
}
