package dev.nixfront.cache.port;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Fetches a narinfo from an upstream cache, or an OpenID Connect issuer's discovery document or key
 * set ({@code IssuerKeys}): one HTTP GET, no redirects followed, bounded in time and size. The adapter refuses, without connecting, a name that resolves to a loopback, link-local or
 * private address unless {@code privateAddresses} (see {@code UpstreamSettings}).
 */
public interface UpstreamClient {
    /** Nothing is reachable: every request fails (the port of a function that never asks upstreams). */
    UpstreamClient NONE = (url, privateAddresses, timeout, maxBytes) ->
            CompletableFuture.failedFuture(new IOException("this function does not fetch from upstreams"));

    /**
     * The answer to a GET of {@code url}; completes exceptionally on a network error, a refused
     * address, a body over {@code maxBytes}, or when {@code timeout} passes before the whole body is
     * in (resolution, connection, headers and body together). Cancelling the future, or its timeout,
     * abandons the request: its connection is closed and no thread stays on it.
     */
    CompletableFuture<Answer> get(URI url, boolean privateAddresses, Duration timeout, int maxBytes);

    /** A status and, for a 200, the body as UTF-8 text (empty otherwise). */
    record Answer(int status, String body) {
        public Answer {
            body = body == null ? "" : body;
        }
    }
}
