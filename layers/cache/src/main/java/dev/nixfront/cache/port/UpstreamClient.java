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
            CompletableFuture.failedFuture(new Failure(Failure.Reason.CONNECTION_FAILED));

    /**
     * The answer to a GET of {@code url}; completes exceptionally on a network error, a refused
     * address, a body over {@code maxBytes}, or when {@code timeout} passes before the whole body is
     * in (resolution, connection, headers and body together). Cancelling the future, or its timeout,
     * abandons the request: its connection is closed and no thread stays on it.
     */
    CompletableFuture<Answer> get(URI url, boolean privateAddresses, Duration timeout, int maxBytes);

    /**
     * Why a request failed, in words fixed here: what an upstream sent (a banner, an error page) and
     * what its name resolved to never reach an answer, since the 409 of a publish and the 401 of a
     * token exchange would hand them to whoever asked. The reason is the whole message; there is
     * no cause to carry such text further.
     */
    final class Failure extends IOException {
        private static final long serialVersionUID = 1L;

        /** What went wrong, as a client may be told. */
        public enum Reason {
            TIMED_OUT("timed out"),
            CONNECTION_FAILED("connection failed"),
            NOT_HTTP("not an HTTP answer"),
            TOO_LARGE("answer too large"),
            ADDRESS_NOT_ALLOWED("address not allowed");

            private final String text;

            Reason(String text) {
                this.text = text;
            }

            public String text() {
                return text;
            }
        }

        private final Reason reason;

        public Failure(Reason reason) {
            super(reason.text());
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }

        /** The reason a failure of a {@code get} gives: its own if it is a {@code Failure}, else that the connection failed. */
        public static Reason of(Throwable failure) {
            Throwable t = failure;
            while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                    && t.getCause() != null) {
                t = t.getCause();
            }
            return t instanceof Failure f ? f.reason() : Reason.CONNECTION_FAILED;
        }
    }

    /** A status and, for a 200, the body as UTF-8 text (empty otherwise). */
    record Answer(int status, String body) {
        public Answer {
            body = body == null ? "" : body;
        }
    }
}
