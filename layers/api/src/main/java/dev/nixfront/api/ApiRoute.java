package dev.nixfront.api;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The route table of the HTTP API, declared once: each route's method, path template and the
 * function that serves it. The infra stack builds API Gateway's routes from it, the local stack its
 * front, the handlers dispatch on it and the CLI builds its request paths with it, so adding a route
 * is one constant here plus its case in the handler.
 *
 * <p>Only the JDK is used here: the infra stack loads this class at synth without the rest of the
 * API layer (Jackson, the core module) on its classpath.
 */
public enum ApiRoute {
    LIST_CACHES("GET", "/v1/caches", Function.QUERY),
    CACHE_INFO("GET", "/v1/caches/{cache}", Function.QUERY),
    MISSING("POST", "/v1/caches/{cache}/missing", Function.QUERY),
    PATH_STATUS("GET", "/v1/caches/{cache}/paths/{hash}", Function.QUERY),
    UPLOADS("POST", "/v1/caches/{cache}/uploads", Function.UPLOAD),
    UPLOAD_PARTS("POST", "/v1/caches/{cache}/uploads/parts", Function.UPLOAD),
    COMPLETE_UPLOAD("POST", "/v1/caches/{cache}/uploads/complete", Function.UPLOAD),
    PUBLISH("POST", "/v1/caches/{cache}/narinfos", Function.PUBLISH),
    CREATE_CACHE("POST", "/v1/caches", Function.ADMIN),
    DELETE_CACHE("DELETE", "/v1/caches/{cache}", Function.ADMIN),
    UPDATE_CACHE("PATCH", "/v1/caches/{cache}", Function.ADMIN),
    COLLECT_GARBAGE("POST", "/v1/caches/{cache}/gc", Function.ADMIN),
    GC_STATUS("GET", "/v1/caches/{cache}/gc", Function.ADMIN),
    REMOVE_PATHS("POST", "/v1/caches/{cache}/removals", Function.ADMIN),
    CREATE_TOKEN("POST", "/v1/tokens", Function.ADMIN),
    LIST_TOKENS("GET", "/v1/tokens", Function.ADMIN),
    REVOKE_TOKEN("DELETE", "/v1/tokens/{id}", Function.ADMIN),
    MIGRATE_INDEX("POST", "/v1/index-migration", Function.ADMIN),
    // Garbage collection's bookkeeping. Added after the others: a function's integration is named
    // after its first route in this order, and renaming it would replace it.
    RECORD_ROOTS("POST", "/v1/caches/{cache}/roots", Function.PUBLISH),
    PUT_PIN("PUT", "/v1/caches/{cache}/pins/{name}", Function.PUBLISH),
    DELETE_PIN("DELETE", "/v1/caches/{cache}/pins/{name}", Function.PUBLISH),
    LIST_PINS("GET", "/v1/caches/{cache}/pins", Function.QUERY),
    // OpenID Connect trusts and the token exchange: the admin function owns tokens and the edge store.
    CREATE_TRUST("POST", "/v1/caches/{cache}/trusts", Function.ADMIN),
    LIST_TRUSTS("GET", "/v1/caches/{cache}/trusts", Function.ADMIN),
    DELETE_TRUST("DELETE", "/v1/caches/{cache}/trusts/{id}", Function.ADMIN),
    EXCHANGE_OIDC_TOKEN("POST", "/v1/oidc/token", Function.ADMIN),
    // Build logs (issue 14): staged like NARs, verified and stored by publish.
    LOG_UPLOADS("POST", "/v1/caches/{cache}/logs/uploads", Function.UPLOAD),
    PUBLISH_LOGS("POST", "/v1/caches/{cache}/logs", Function.PUBLISH);

    /**
     * The functions behind the API, one per privilege boundary. {@link #id()} is the function's
     * construct id in the infra stack ({@code Query}), {@link #role()} its lower-case role name
     * ({@code query}, as in {@code nixfront-query}).
     */
    public enum Function {
        QUERY, UPLOAD, PUBLISH, ADMIN;

        public String id() {
            return name().charAt(0) + name().substring(1).toLowerCase(Locale.ROOT);
        }

        public String role() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A request's route and its path parameters, decoded. */
    public record Match(ApiRoute route, Map<String, String> parameters) {
        public Match {
            parameters = Map.copyOf(parameters);
        }
    }

    private final String method;
    private final String template;
    private final Function function;
    private final List<String> segments;

    ApiRoute(String method, String template, Function function) {
        this.method = method;
        this.template = template;
        this.function = function;
        this.segments = split(template);
    }

    /** {@code GET}, {@code POST}, {@code PUT}, {@code PATCH} or {@code DELETE}. */
    public String method() {
        return method;
    }

    /** The path template, {@code /v1/caches/{cache}/paths/{hash}}. */
    public String template() {
        return template;
    }

    /** API Gateway's route key, {@code GET /v1/caches/{cache}}. */
    public String routeKey() {
        return method + " " + template;
    }

    public Function function() {
        return function;
    }

    /** The names of the template's parameters, in order ({@code cache}, {@code hash}). */
    public List<String> parameters() {
        List<String> names = new ArrayList<>();
        for (String segment : segments) {
            if (isParameter(segment)) {
                names.add(segment.substring(1, segment.length() - 1));
            }
        }
        return names;
    }

    /** The routes {@code function} serves, in declaration order. */
    public static List<ApiRoute> servedBy(Function function) {
        return Arrays.stream(values()).filter(r -> r.function == function).toList();
    }

    /** The route with this key ({@code "GET /v1/caches"}), if it is declared. */
    public static Optional<ApiRoute> ofRouteKey(String routeKey) {
        return Arrays.stream(values()).filter(r -> r.routeKey().equals(routeKey)).findFirst();
    }

    /**
     * The request path for this route: {@code values} fill the template's parameters in order, each
     * percent-encoded as one segment (a slash or space in a value cannot change the route).
     */
    public String path(String... values) {
        List<String> names = parameters();
        if (values.length != names.size()) {
            throw new IllegalArgumentException(routeKey() + " takes " + names.size() + " parameters " + names
                    + ", not " + values.length);
        }
        StringBuilder path = new StringBuilder();
        int next = 0;
        for (String segment : segments) {
            path.append('/').append(isParameter(segment) ? encode(values[next++]) : segment);
        }
        return path.toString();
    }

    /**
     * The parameters if {@code method} and {@code rawPath} (still percent-encoded, no query) are this
     * route; empty for another route, an empty parameter or a segment that is not valid
     * percent-encoding.
     */
    public Optional<Map<String, String>> match(String method, String rawPath) {
        return this.method.equals(method) ? bind(rawPath) : Optional.empty();
    }

    /** The parameters if {@code rawPath} fits this route's template, whatever the method. */
    public Optional<Map<String, String>> bind(String rawPath) {
        List<String> path = split(rawPath);
        if (path.size() != segments.size()) {
            return Optional.empty();
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < segments.size(); i++) {
            String segment = segments.get(i);
            Optional<String> value = decode(path.get(i));
            if (value.isEmpty()) {
                return Optional.empty();
            }
            if (isParameter(segment)) {
                if (value.get().isEmpty()) {
                    return Optional.empty();
                }
                parameters.put(segment.substring(1, segment.length() - 1), value.get());
            } else if (!segment.equals(value.get())) {
                return Optional.empty();
            }
        }
        return Optional.of(parameters);
    }

    /** The declared route {@code method} and {@code rawPath} are, with its parameters. */
    public static Optional<Match> match(String method, String rawPath, List<ApiRoute> among) {
        for (ApiRoute route : among) {
            Optional<Map<String, String>> parameters = route.match(method, rawPath);
            if (parameters.isPresent()) {
                return Optional.of(new Match(route, parameters.get()));
            }
        }
        return Optional.empty();
    }

    private static boolean isParameter(String segment) {
        return segment.startsWith("{") && segment.endsWith("}");
    }

    private static List<String> split(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        return trimmed.isEmpty() ? List.of() : List.of(trimmed.split("/", -1));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A path segment decoded; a '+' is itself in a path (form encoding does not apply). */
    private static Optional<String> decode(String segment) {
        try {
            return Optional.of(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
