package dev.nixfront.api;

import java.time.Duration;
import java.util.List;

/**
 * One upstream cache of a cache: {@code {"url":"https://cache.nixos.org","publicKey":"cache.nixos.org-1:6NCH...="}}.
 * A path an upstream serves with a valid signature by its key is not pushed, and counts as present
 * when a path of the cache references it. Checked by the server ({@code CacheAdminService}): an
 * https URL (http and private addresses only where the deployment allows them), a Nix public key.
 *
 * @param url       the upstream's substituter URL, without a trailing slash
 * @param publicKey the key its narinfos must be signed by, as in {@code trusted-public-keys}
 */
public record Upstream(String url, String publicKey) {
    /** The most upstreams a cache may have: each costs a narinfo request per path not found before it. */
    public static final int MAX = 8;
    /** What a cache gets when its creation names none: the cache every Nix user substitutes from. */
    public static final Upstream NIXOS = new Upstream("https://cache.nixos.org",
            "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=");
    /** The upstreams of a cache created without a list. */
    public static final List<Upstream> DEFAULT = List.of(NIXOS);
    /**
     * How long one narinfo request to an upstream may take, resolution, connection, headers and
     * body together. The server's check and push's filter both wait this long and follow no
     * redirect, so that what push skips as served, the server accepts.
     */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);
    /** The largest narinfo read from an upstream: a path's references may hold 200,000 bytes, the rest is small. */
    public static final int MAX_NARINFO_BYTES = 256 * 1024;
}
