package dev.nixfront.local;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nixfront.cache.EdgeRules;
import dev.nixfront.cache.port.CacheName;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Plays CloudFront in front of the bucket: {@code GET}/{@code HEAD /<cache>/<key>} answers the S3
 * object {@code <cache>/<key>} with its body streamed and the headers S3 stored with it, relayed
 * as CloudFront relays them: Content-Type, Content-Length, Cache-Control, ETag, and also
 * Content-Encoding, Content-Disposition, Content-Language and {@code x-amz-meta-*} when an object
 * has them. Relaying those is the point: whatever a writer managed to store beside a NAR reaches
 * Nix, so a local test sees what CloudFront would serve (a stored {@code Content-Encoding: gzip}
 * makes Nix's curl "decode" a zstd file and fail). The server itself adds none of them.
 *
 * <p>A miss is 404 (Nix reads 404 as "not here"; a 5xx would make it give up on the cache for a
 * while). Like the bucket policy in AWS it never serves the staging area
 * ({@code _staging/<cache>/...}), where every upload waits unverified: only keys whose first
 * segment is a cache name are served.
 *
 * <p>Before anything is read it applies the rules the CloudFront viewer-request function applies
 * ({@link EdgeRules}) against the read path's store: 404 for an unknown cache, 401 with a Basic
 * challenge for a private one without a token that reads it; and a private cache's
 * {@code Cache-Control: public, ...} reaches the viewer as {@code private, ...}.
 */
final class ReadServer implements AutoCloseable {
    /** Where the objects come from: S3 itself, or s3proxy's blob store read in-process. */
    interface Origin {
        ResponseInputStream<GetObjectResponse> get(String key);

        HeadObjectResponse head(String key);

        static Origin of(S3Client s3, String bucket) {
            return new Origin() {
                @Override
                public ResponseInputStream<GetObjectResponse> get(String key) {
                    return s3.getObject(b -> b.bucket(bucket).key(key));
                }

                @Override
                public HeadObjectResponse head(String key) {
                    return s3.headObject(b -> b.bucket(bucket).key(key));
                }
            };
        }
    }

    private static final int COPY_BUFFER = 1 << 20;

    private final Origin origin;
    private final Function<String, Optional<String>> edge;
    private final Clock clock;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * @param edge  the read path's store, by key ({@code MapEdgeStore.get}); null: no check, as a
     *              distribution without the viewer function serves (what the AWS-mode tests stand
     *              up, since Lambda's wiring writes no store until the KeyValueStore adapter exists)
     * @param clock what token expiries are compared with
     */
    ReadServer(Origin origin, int port, Function<String, Optional<String>> edge, Clock clock) throws IOException {
        this.origin = origin;
        this.edge = edge;
        this.clock = clock;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        server.setExecutor(executor);
        server.createContext("/", this::serve);
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The S3 key a request path names, or null when nothing may be served there. */
    static String keyOf(String rawPath) {
        String trimmed = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
        List<String> segments = trimmed.isEmpty() ? List.of() : List.of(trimmed.split("/", -1));
        if (segments.size() < 2) {
            return null;
        }
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < segments.size(); i++) {
            String segment = URLDecoder.decode(segments.get(i).replace("+", "%2B"), StandardCharsets.UTF_8);
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.contains("/")
                    || segment.contains("\\") || segment.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                // No object key of ours has these; a NUL reached the file system and answered 503.
                return null;
            }
            // Every served key belongs to a cache; anything else (the _staging/ root above all)
            // is not readable. The old <cache>/staging/ shape stays refused for buckets written
            // before staging moved out of the caches' prefixes.
            if ((i == 0 && CacheName.problem(segment) != null) || (i == 1 && segment.equals("staging"))) {
                return null;
            }
            key.append(i == 0 ? "" : "/").append(segment);
        }
        return key.toString();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            EdgeRules.Verdict verdict = edge == null ? new EdgeRules.Verdict(EdgeRules.Outcome.ALLOW, false)
                    : EdgeRules.check(method, path, exchange.getRequestHeaders().getFirst("Authorization"), edge,
                            clock.instant().getEpochSecond());
            if (!verdict.allowed()) {
                refuse(exchange, verdict.outcome());
                return;
            }
            String key = keyOf(path);
            if (key == null) {
                notFound(exchange);
                return;
            }
            try {
                if (method.equals("HEAD")) {
                    HeadObjectResponse head = origin.head(key);
                    headers(exchange, new Stored(head.contentType(), viewer(head.cacheControl(), verdict), head.eTag(),
                            head.contentEncoding(), head.contentDisposition(), head.contentLanguage(), head.metadata()),
                            head.contentLength());
                    exchange.sendResponseHeaders(200, -1);
                    return;
                }
                try (ResponseInputStream<GetObjectResponse> object = origin.get(key)) {
                    GetObjectResponse response = object.response();
                    headers(exchange, new Stored(response.contentType(), viewer(response.cacheControl(), verdict), response.eTag(),
                            response.contentEncoding(), response.contentDisposition(), response.contentLanguage(),
                            response.metadata()), response.contentLength());
                    exchange.sendResponseHeaders(200, response.contentLength() == 0 ? -1 : response.contentLength());
                    try (OutputStream out = exchange.getResponseBody()) {
                        copy(object, out, response.contentLength());
                    }
                }
            } catch (NoSuchKeyException e) {
                notFound(exchange);
            } catch (S3Exception e) {
                if (e.statusCode() == 404) {
                    notFound(exchange);
                } else {
                    unavailable(exchange, e);
                }
            } catch (RuntimeException e) {
                unavailable(exchange, e);
            }
        }
    }

    private static String viewer(String cacheControl, EdgeRules.Verdict verdict) {
        return EdgeRules.viewerCacheControl(cacheControl, verdict.privateCache());
    }

    /**
     * What the viewer function answers instead of the object: never stored by anyone
     * ({@code no-store}), and for a private cache the challenge that makes curl (so Nix) send the
     * netrc credentials it has for this host.
     */
    private static void refuse(HttpExchange exchange, EdgeRules.Outcome outcome) throws IOException {
        Headers headers = exchange.getResponseHeaders();
        headers.set("Cache-Control", "no-store");
        headers.set("Content-Type", "text/plain");
        String text;
        if (outcome == EdgeRules.Outcome.UNAUTHORIZED) {
            headers.set("WWW-Authenticate", EdgeRules.CHALLENGE);
            text = "401 Unauthorized: this cache is private; send a token with read permission\n";
        } else {
            text = "404 Not Found\n";
        }
        byte[] body = text.getBytes(StandardCharsets.US_ASCII);
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(outcome.status(), -1);
            return;
        }
        exchange.sendResponseHeaders(outcome.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /**
     * The JDK server pays a selector round trip per write: with transferTo's 16 KiB chunks a NAR
     * streams at ~45 MB/s, with 1 MiB chunks at ~300 MB/s (measured on the benchmark closure).
     */
    private static void copy(InputStream in, OutputStream out, Long length) throws IOException {
        byte[] buffer = new byte[(int) Math.max(8192, Math.min(COPY_BUFFER, length == null ? COPY_BUFFER : length))];
        int n;
        while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
            out.write(buffer, 0, n);
        }
    }

    /** The headers S3 keeps with an object and CloudFront passes on to the viewer; any may be null. */
    private record Stored(String contentType, String cacheControl, String etag, String contentEncoding,
                          String contentDisposition, String contentLanguage, Map<String, String> userMetadata) {}

    private static void headers(HttpExchange exchange, Stored stored, Long length) {
        var headers = exchange.getResponseHeaders();
        setIfPresent(headers, "Content-Type", stored.contentType());
        setIfPresent(headers, "Cache-Control", stored.cacheControl());
        setIfPresent(headers, "ETag", stored.etag());
        setIfPresent(headers, "Content-Encoding", stored.contentEncoding());
        setIfPresent(headers, "Content-Disposition", stored.contentDisposition());
        setIfPresent(headers, "Content-Language", stored.contentLanguage());
        if (stored.userMetadata() != null) {
            stored.userMetadata().forEach((name, value) -> headers.set("x-amz-meta-" + name, value));
        }
        if (exchange.getRequestMethod().equals("HEAD") && length != null) {
            headers.set("Content-Length", Long.toString(length));
        }
    }

    private static void setIfPresent(Headers headers, String name, String value) {
        if (value != null && !value.isEmpty()) {
            headers.set(name, value);
        }
    }

    // 503 is what Nix retries; CloudFront answers 502/503 when its origin fails too. Never a bare
    // dropped connection: Nix would count it as a network error against the whole cache.
    private static void unavailable(HttpExchange exchange, RuntimeException cause) throws IOException {
        System.err.println("nixfront local: read server: " + exchange.getRequestURI().getRawPath() + ": " + cause);
        if (exchange.getResponseCode() == -1) {
            exchange.sendResponseHeaders(503, -1);
        }
    }

    private static void notFound(HttpExchange exchange) throws IOException {
        byte[] body = "404 Not Found\n".getBytes(StandardCharsets.US_ASCII);
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(404, -1);
            return;
        }
        exchange.sendResponseHeaders(404, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
