package dev.nixfront.cli.client;

import dev.nixfront.api.ApiError;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.api.CacheInfo;
import dev.nixfront.api.CacheList;
import dev.nixfront.api.GcStatus;
import dev.nixfront.api.GcRequest;
import dev.nixfront.api.CompleteUploadRequest;
import dev.nixfront.api.CompleteUploadResponse;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.CreatedToken;
import dev.nixfront.api.OidcTokenRequest;
import dev.nixfront.api.TrustInfo;
import dev.nixfront.api.TrustList;
import dev.nixfront.api.TrustRequest;
import dev.nixfront.api.IndexMigrationRequest;
import dev.nixfront.api.IndexMigrationResponse;
import dev.nixfront.api.InvalidJsonException;
import dev.nixfront.api.Json;
import dev.nixfront.api.LogUploadResponse;
import dev.nixfront.api.LogsRequest;
import dev.nixfront.api.LogsResponse;
import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.MissingResponse;
import dev.nixfront.api.PartsRequest;
import dev.nixfront.api.PartsResponse;
import dev.nixfront.api.PathStatus;
import dev.nixfront.api.PinInfo;
import dev.nixfront.api.PinList;
import dev.nixfront.api.PinRequest;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.RemovePathsRequest;
import dev.nixfront.api.PublishResponse;
import dev.nixfront.api.RootsRequest;
import dev.nixfront.api.RootsResponse;
import dev.nixfront.api.TokenInfo;
import dev.nixfront.api.TokenList;
import dev.nixfront.api.UpdateCacheRequest;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The nixfront HTTP API as Java calls: one method per route, bodies are the records of
 * {@code dev.nixfront.api}. Throttling and gateway errors (429, 502–504) and network errors are
 * retried with backoff: every route is idempotent (publishing the same info twice changes nothing).
 */
public final class NixfrontClient {
    private static final int ATTEMPTS = 5;

    private final ClientConfig config;
    private final HttpClient http;

    public NixfrontClient(ClientConfig config, HttpClient http) {
        this.config = config;
        this.http = http;
    }

    public ClientConfig config() {
        return config;
    }

    public CacheList listCaches() throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.LIST_CACHES, null, CacheList.class);
    }

    public CacheInfo cacheInfo(String cache) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.CACHE_INFO, null, CacheInfo.class, cache);
    }

    public CacheInfo createCache(CreateCacheRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.CREATE_CACHE, request, CacheInfo.class);
    }

    /** Changes whether the cache is private and its priority; answers the cache as it is now. */
    public CacheInfo updateCache(String cache, UpdateCacheRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.UPDATE_CACHE, request, CacheInfo.class, cache);
    }

    /** Starts a collection (or a dry run): done at once (200), or running as a job (202: read {@link #collectionStatus}). */
    public GcStatus collectGarbage(String cache, GcRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.COLLECT_GARBAGE, request, GcStatus.class, cache);
    }

    /** Starts a removal of paths (or a dry run), answered like {@link #collectGarbage}. */
    public GcStatus removePaths(String cache, RemovePathsRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.REMOVE_PATHS, request, GcStatus.class, cache);
    }

    /** The collection running on the cache, or the last one's outcome. */
    public GcStatus collectionStatus(String cache) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.GC_STATUS, null, GcStatus.class, cache);
    }

    public void deleteCache(String cache) throws IOException, InterruptedException, ApiException {
        send(ApiRoute.DELETE_CACHE, null, Void.class, cache);
    }

    public MissingResponse missing(String cache, MissingRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.MISSING, request, MissingResponse.class, cache);
    }

    public PathStatus pathStatus(String cache, String storeHash) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.PATH_STATUS, null, PathStatus.class, cache, storeHash);
    }

    public UploadResponse uploads(String cache, UploadRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.UPLOADS, request, UploadResponse.class, cache);
    }

    public PartsResponse parts(String cache, PartsRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.UPLOAD_PARTS, request, PartsResponse.class, cache);
    }

    public CompleteUploadResponse complete(String cache, CompleteUploadRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.COMPLETE_UPLOAD, request, CompleteUploadResponse.class, cache);
    }

    public PublishResponse publish(String cache, PublishRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.PUBLISH, request, PublishResponse.class, cache);
    }

    public LogUploadResponse logUploads(String cache, LogsRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.LOG_UPLOADS, request, LogUploadResponse.class, cache);
    }

    public LogsResponse publishLogs(String cache, LogsRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.PUBLISH_LOGS, request, LogsResponse.class, cache);
    }

    public CreatedToken createToken(CreateTokenRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.CREATE_TOKEN, request, CreatedToken.class);
    }

    /** Every token the caller administers. */
    public TokenList listTokens() throws IOException, InterruptedException, ApiException {
        return listTokens(null);
    }

    /**
     * The tokens the caller administers that are valid for {@code cache}, or all of them for null:
     * every page of them, following {@code next}.
     */
    public TokenList listTokens(String cache) throws IOException, InterruptedException, ApiException {
        List<TokenInfo> all = new ArrayList<>();
        String after = null;
        do {
            StringBuilder path = new StringBuilder(ApiRoute.LIST_TOKENS.path());
            if (cache != null) {
                path.append("?cache=").append(queryValue(cache));
            }
            if (after != null) {
                path.append(cache == null ? "?" : "&").append("after=").append(queryValue(after));
            }
            TokenList page = send(ApiRoute.LIST_TOKENS.method(), path.toString(), null, TokenList.class);
            if (page == null) {
                break; // an empty answer: nothing (more) to list
            }
            all.addAll(page.tokens());
            after = page.next();
        } while (after != null);
        return new TokenList(all);
    }

    public void revokeToken(String id) throws IOException, InterruptedException, ApiException {
        send(ApiRoute.REVOKE_TOKEN, null, Void.class, id);
    }

    /** Records the roots a push was given; answers which were recorded and which the cache has not published. */
    public RootsResponse recordRoots(String cache, RootsRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.RECORD_ROOTS, request, RootsResponse.class, cache);
    }

    /** Pins a published path under {@code name}; answers the pin as it is now. */
    public PinInfo putPin(String cache, String name, PinRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.PUT_PIN, request, PinInfo.class, cache, name);
    }

    /** Every pin of the cache, in name order: every page, following {@code next}. */
    public PinList listPins(String cache) throws IOException, InterruptedException, ApiException {
        List<PinInfo> all = new ArrayList<>();
        String after = null;
        do {
            String path = ApiRoute.LIST_PINS.path(cache) + (after == null ? "" : "?after=" + queryValue(after));
            PinList page = send(ApiRoute.LIST_PINS.method(), path, null, PinList.class);
            if (page == null) {
                break;
            }
            all.addAll(page.pins());
            after = page.next();
        } while (after != null);
        return new PinList(all);
    }

    public void deletePin(String cache, String name) throws IOException, InterruptedException, ApiException {
        send(ApiRoute.DELETE_PIN, null, Void.class, cache, name);
    }

    /** One step of the path-listing migration; the caller repeats with {@code next} until it is null. */
    public IndexMigrationResponse migrateIndex(IndexMigrationRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.MIGRATE_INDEX, request, IndexMigrationResponse.class);
    }

    public TrustInfo addTrust(String cache, TrustRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.CREATE_TRUST, request, TrustInfo.class, cache);
    }

    public TrustList listTrusts(String cache) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.LIST_TRUSTS, null, TrustList.class, cache);
    }

    public void removeTrust(String cache, String id) throws IOException, InterruptedException, ApiException {
        send(ApiRoute.DELETE_TRUST, null, Void.class, cache, id);
    }

    /** Trades an ID token for a token of the cache; sent without the bearer token (the ID token is the credential). */
    public CreatedToken exchangeOidcToken(OidcTokenRequest request) throws IOException, InterruptedException, ApiException {
        return send(ApiRoute.EXCHANGE_OIDC_TOKEN, request, CreatedToken.class);
    }

    /** Calls {@code route} with {@code parameters} filling its path template, in order. */
    private <T> T send(ApiRoute route, Object body, Class<T> type, String... parameters)
            throws IOException, InterruptedException, ApiException {
        return send(route.method(), route.path(parameters), body, type);
    }

    private <T> T send(String method, String path, Object body, Class<T> type) throws IOException, InterruptedException, ApiException {
        URI uri = URI.create(stripSlash(config.server().toString()) + path);
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(60))
                .header("Accept", "application/json")
                .header("User-Agent", "nixfront-cli");
        if (!config.token().isEmpty()) {
            builder.header("Authorization", "Bearer " + config.token());
        }
        if (body != null) {
            builder.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(body)));
        } else {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpRequest request = builder.build();
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                if (attempt >= ATTEMPTS) {
                    throw new IOException("cannot reach " + config.server() + ": " + describe(e), e);
                }
                pause(attempt);
                continue;
            }
            int status = response.statusCode();
            if (status / 100 == 2) {
                if (type == Void.class || response.body().isBlank()) {
                    return null;
                }
                try {
                    return Json.read(response.body(), type);
                } catch (InvalidJsonException e) {
                    throw new IOException(method + " " + path + ": the server answered JSON this client does not understand: " + e.getMessage(), e);
                }
            }
            if ((status == 429 || status == 502 || status == 503 || status == 504) && attempt < ATTEMPTS) {
                pause(attempt);
                continue;
            }
            throw new ApiException(status, error(status, response.body()));
        }
    }

    private static ApiError error(int status, String body) {
        try {
            ApiError error = Json.read(body, ApiError.class);
            if (error.error() != null || error.reason() != null) {
                return error;
            }
        } catch (InvalidJsonException | RuntimeException e) {
            // not our JSON shape: a proxy or gateway answered; fall through to the raw text
        }
        String text = body == null ? "" : body.strip();
        return new ApiError("http_" + status, null, text.length() > 200 ? text.substring(0, 200) + "..." : text);
    }

    /**
     * Why a request never got an answer, in words. The JDK's HTTP client throws a ConnectException
     * without a message (its cause, ClosedChannelException, has none either) for a refused
     * connection, and one caused by UnresolvedAddressException for an unknown host, so printing
     * getMessage() said "null".
     */
    static String describe(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return "unknown host" + (t.getMessage() == null ? "" : " " + t.getMessage());
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        if (e instanceof HttpConnectTimeoutException) {
            return "connection timed out";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer in time";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        // ClosedChannelException -> "closed channel": the class says what happened when nothing else does.
        return e.getClass().getSimpleName().replaceAll("(Exception|Error)$", "")
                .replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
    }

    private static void pause(int attempt) throws InterruptedException {
        long ceiling = Math.min(5_000, 200L << (attempt - 1));
        Thread.sleep(ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1));
    }

    private static String queryValue(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
