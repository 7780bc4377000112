package dev.nixfront.api;

/**
 * {@code PUT /v1/caches/{cache}/pins/{name}}: pin a published store path under a name, e.g.
 * {@code {"path":"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-site-2","keepRevisions":3}}. The path
 * becomes the pin's newest revision (pinning the newest again only renews its time); the oldest
 * revisions beyond {@code keepRevisions} are dropped. Garbage collection keeps every revision kept.
 *
 * @param path          the store path, published in the cache
 * @param keepRevisions 1 to {@value #MAX_KEEP_REVISIONS}; null keeps the pin's setting (1 for a new pin)
 */
public record PinRequest(@Required String path, Integer keepRevisions) {
    public static final int MAX_KEEP_REVISIONS = 100;
}
