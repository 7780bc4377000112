package dev.nixfront.local;

import dev.nixfront.cache.EdgeRules;
import dev.nixfront.cache.port.CacheName;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

        /**
         * The object as the server sends it, with its body only when asked for one; null when
         * there is no such object. By default through {@link #get} and {@link #head}.
         */
        default Found find(String key, boolean withBody) {
            try {
                if (!withBody) {
                    HeadObjectResponse head = head(key);
                    return Found.of(new Stored(head.contentType(), head.cacheControl(), head.eTag(), head.contentEncoding(),
                            head.contentDisposition(), head.contentLanguage(), head.metadata()), head.contentLength(), null);
                }
                ResponseInputStream<GetObjectResponse> object = get(key);
                try {
                    GetObjectResponse response = object.response();
                    return Found.of(new Stored(response.contentType(), response.cacheControl(), response.eTag(), response.contentEncoding(),
                            response.contentDisposition(), response.contentLanguage(), response.metadata()), response.contentLength(),
                            GetServer.stream(object));
                } catch (RuntimeException e) {
                    closeQuietly(object, e);
                    throw e;
                }
            } catch (NoSuchKeyException e) {
                return null;
            } catch (S3Exception e) {
                if (e.statusCode() == 404) {
                    return null;
                }
                throw e;
            }
        }

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

    /** The headers S3 keeps with an object and CloudFront passes on to the viewer; any may be null. */
    record Stored(String contentType, String cacheControl, String etag, String contentEncoding,
                  String contentDisposition, String contentLanguage, Map<String, String> userMetadata) {}

    /** An object found: its stored headers, its length, and its body (null for a HEAD). */
    record Found(Stored stored, long length, ReadableByteChannel body) {
        /** A 503 when the origin gave no length: CloudFront would not relay an object it cannot frame either. */
        static Found of(Stored stored, Long length, ReadableByteChannel body) {
            if (length == null) {
                throw new IllegalStateException("the origin gave no Content-Length");
            }
            return new Found(stored, length, body);
        }
    }

    /** How long a connection may sit idle, or take over a request head, before it is closed. */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    private static final Map.Entry<String, String> TEXT = Map.entry("Content-Type", "text/plain");
    /** The longest request path that can name an object: S3's limit on a key. */
    private static final int MAX_KEY = 1024;
    /** The longest name a file system holds (a local origin's key segment is a file name). */
    private static final int MAX_SEGMENT = 255;

    private final Origin origin;
    private final Function<String, Optional<String>> edge;
    private final Clock clock;
    private final GetServer server;

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
        this.server = new GetServer(port, this::answer, clock, IDLE_TIMEOUT);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    /** The S3 key a request path names, or null when nothing may be served there. */
    static String keyOf(String rawPath) {
        if (rawPath.length() > MAX_KEY) {
            // S3 keys are at most 1,024 bytes, and no key of ours comes near it.
            return null;
        }
        String trimmed = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
        List<String> segments = trimmed.isEmpty() ? List.of() : List.of(trimmed.split("/", -1));
        if (segments.size() < 2) {
            return null;
        }
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < segments.size(); i++) {
            String segment;
            try {
                segment = URLDecoder.decode(segments.get(i).replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                // A malformed escape (%zz, a lone %): no key of ours is spelled that way.
                return null;
            }
            if (segment.isEmpty() || segment.length() > MAX_SEGMENT || segment.equals(".") || segment.equals("..") || segment.contains("/")
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

    private GetServer.Response answer(GetServer.Request request) {
        String method = request.method();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return GetServer.Response.text(405, List.of(Map.entry("Allow", "GET, HEAD"), TEXT), "405 Method Not Allowed\n");
        }
        String path = request.rawPath();
        EdgeRules.Verdict verdict = edge == null ? new EdgeRules.Verdict(EdgeRules.Outcome.ALLOW, false)
                : EdgeRules.check(method, path, request.header("Authorization"), edge, clock.instant().getEpochSecond());
        if (!verdict.allowed()) {
            return refuse(verdict.outcome());
        }
        String key = keyOf(path);
        if (key == null) {
            return notFound();
        }
        Found found = origin.find(key, method.equals("GET"));
        if (found == null) {
            return notFound();
        }
        try {
            return found(found, viewer(found.stored().cacheControl(), verdict));
        } catch (RuntimeException e) {
            if (found.body() != null) {
                closeQuietly(found.body(), e);
            }
            throw e;
        }
    }

    private static void closeQuietly(Closeable object, RuntimeException cause) {
        try {
            object.close();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
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
    private static GetServer.Response refuse(EdgeRules.Outcome outcome) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(List.of(Map.entry("Cache-Control", "no-store"), TEXT));
        if (outcome == EdgeRules.Outcome.UNAUTHORIZED) {
            headers.add(Map.entry("WWW-Authenticate", EdgeRules.CHALLENGE));
            return GetServer.Response.text(outcome.status(), headers,
                    "401 Unauthorized: this cache is private; send a token with read permission\n");
        }
        return GetServer.Response.text(outcome.status(), headers, "404 Not Found\n");
    }

    private static GetServer.Response found(Found found, String cacheControl) {
        Stored stored = found.stored();
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        addIfPresent(headers, "Content-Type", stored.contentType());
        addIfPresent(headers, "Cache-Control", cacheControl);
        addIfPresent(headers, "ETag", stored.etag());
        addIfPresent(headers, "Content-Encoding", stored.contentEncoding());
        addIfPresent(headers, "Content-Disposition", stored.contentDisposition());
        addIfPresent(headers, "Content-Language", stored.contentLanguage());
        if (stored.userMetadata() != null) {
            stored.userMetadata().forEach((name, value) -> headers.add(Map.entry("x-amz-meta-" + name, value)));
        }
        return new GetServer.Response(200, headers, found.length(), found.body());
    }

    private static void addIfPresent(List<Map.Entry<String, String>> headers, String name, String value) {
        if (value != null && !value.isEmpty()) {
            headers.add(Map.entry(name, value));
        }
    }

    // A miss is 404: Nix reads it as "not here". What the origin throws otherwise becomes the
    // server's 503, which Nix retries and CloudFront answers too when its origin fails; never a
    // bare dropped connection, which Nix would count as a network error against the whole cache.
    private static GetServer.Response notFound() {
        return GetServer.Response.text(404, List.of(TEXT), "404 Not Found\n");
    }

    @Override
    public void close() {
        server.close();
    }
}
