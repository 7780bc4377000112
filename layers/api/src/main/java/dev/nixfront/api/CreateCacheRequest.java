package dev.nixfront.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code POST /v1/caches}: {@code {"name":"team","private":false,"priority":40}}. Without
 * {@code signingKey} the server generates an Ed25519 key named {@code <name>-1}; with one (a Nix
 * secret key text {@code name:base64}) it imports it. Answered by 201 and a {@link CacheInfo}.
 *
 * @param privateCache null means public
 * @param priority     null means 40
 * @param upstreams    in order; null means {@link Upstream#DEFAULT}, an empty list none
 */
public record CreateCacheRequest(String name, @JsonProperty("private") Boolean privateCache, Integer priority, String signingKey,
                                 List<Upstream> upstreams) {
    /** With the default upstreams. */
    public CreateCacheRequest(String name, Boolean privateCache, Integer priority, String signingKey) {
        this(name, privateCache, priority, signingKey, null);
    }

    @Override
    public String toString() {
        // The signing key is a secret: keep it out of any log line that prints a request.
        return "CreateCacheRequest[name=" + name + ", private=" + privateCache + ", priority=" + priority
                + ", signingKey=" + (signingKey == null ? "none" : "<redacted>") + ", upstreams=" + upstreams + "]";
    }
}
