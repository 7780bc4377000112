package dev.nixfront.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.nixfront.api.ApiError;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.api.InvalidJsonException;
import dev.nixfront.api.Json;
import dev.nixfront.cache.DomainException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What every handler does around its one service call: match the route, read the JSON body, and
 * turn the result or the refusal into a response. Bad input is always a 4xx with a JSON
 * {@link ApiError} naming the field; only failures of the backends are 5xx.
 */
final class Http {
    private static final Map<String, String> JSON = Map.of("content-type", "application/json");

    private Http() {}

    /** The body of a route: gets the matched request, returns the response. */
    @FunctionalInterface
    interface Route {
        APIGatewayV2HTTPResponse handle(Request request) throws InvalidJsonException;
    }

    /**
     * Runs {@code route} and maps every refusal to its status and JSON error; anything else is a 500
     * and one JSON line in the invocation's log ({@link JsonLog}).
     */
    static APIGatewayV2HTTPResponse respond(APIGatewayV2HTTPEvent event, Context context, Route route) {
        try {
            return route.handle(new Request(event));
        } catch (DomainException e) {
            if (e.detail() != null) {
                // The answer is kept uniform on purpose (an ID token exchange's 401): the why is for the log.
                JsonLog.warn(context, e.detail());
            }
            return json(e.status(), e.toApiError());
        } catch (InvalidJsonException e) {
            return json(400, new ApiError("invalid", e.field(), e.reason()));
        } catch (InvalidQueryException e) {
            return json(400, new ApiError("invalid", e.parameter, e.getMessage()));
        } catch (RouteException e) {
            return json(e.status, new ApiError(e.code, null, e.getMessage()));
        } catch (RuntimeException e) {
            // The event is not logged: it carries the bearer token.
            JsonLog.error(context, "internal error", e);
            return json(500, new ApiError("internal", null, "internal error; the function log has the details"));
        }
    }

    static APIGatewayV2HTTPResponse ok(Object body) {
        return json(200, body);
    }

    static APIGatewayV2HTTPResponse created(Object body) {
        return json(201, body);
    }

    static APIGatewayV2HTTPResponse noContent() {
        return APIGatewayV2HTTPResponse.builder().withStatusCode(204).withHeaders(Map.of()).build();
    }

    static APIGatewayV2HTTPResponse json(int status, Object body) {
        return APIGatewayV2HTTPResponse.builder().withStatusCode(status).withHeaders(JSON)
                .withBody(Json.write(body)).withIsBase64Encoded(false).build();
    }

    /** A query parameter the route does not take: 400 naming it. */
    static final class InvalidQueryException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String parameter;

        InvalidQueryException(String parameter) {
            super("unknown query parameter '" + parameter + "'");
            this.parameter = parameter;
        }
    }

    /** An unknown path (404) or a known path with another method (405). */
    static final class RouteException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final String code;

        RouteException(int status, String code, String reason) {
            super(reason);
            this.status = status;
            this.code = code;
        }
    }

    /** One request: method, path, route key and path parameters as the front gave them, headers (names lowercased), body. */
    static final class Request {
        private final String method;
        private final String path;
        private final String routeKey;
        private final Map<String, String> pathParameters;
        private final Map<String, String> headers = new HashMap<>();
        private final String body;
        private final Map<String, String> params = new HashMap<>();
        private final Map<String, String> query = new HashMap<>();

        Request(APIGatewayV2HTTPEvent event) {
            String m = event.getRequestContext() != null && event.getRequestContext().getHttp() != null
                    ? event.getRequestContext().getHttp().getMethod() : null;
            if (m == null && event.getRouteKey() != null && event.getRouteKey().contains(" ")) {
                m = event.getRouteKey().substring(0, event.getRouteKey().indexOf(' '));
            }
            this.method = m == null ? "" : m.toUpperCase(Locale.ROOT);
            String raw = event.getRawPath() == null ? "" : event.getRawPath();
            // A named API Gateway stage prefixes the path; the API itself always starts at /v1.
            int v1 = raw.indexOf("/v1/");
            this.path = v1 > 0 ? raw.substring(v1) : raw;
            this.routeKey = event.getRouteKey();
            this.pathParameters = event.getPathParameters() == null ? Map.of() : event.getPathParameters();
            if (event.getHeaders() != null) {
                event.getHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
            }
            if (event.getQueryStringParameters() != null) {
                // API Gateway decodes the values and joins a repeated parameter's values with commas.
                query.putAll(event.getQueryStringParameters());
            }
            String b = event.getBody();
            this.body = b != null && event.getIsBase64Encoded()
                    ? new String(Base64.getDecoder().decode(b), StandardCharsets.UTF_8) : b;
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The path parameter bound by {@link #route}, e.g. {@code cache}. */
        String param(String name) {
            return params.get(name);
        }

        /**
         * The query parameter {@code name} (null if absent), after refusing with a 400 naming it any
         * parameter not in {@code allowed}: a misspelt filter must not widen an answer silently.
         */
        String query(String name, String... allowed) {
            for (String present : query.keySet()) {
                if (!present.equals(name) && !List.of(allowed).contains(present)) {
                    throw new InvalidQueryException(present);
                }
            }
            return query.get(name);
        }

        /** Refuses any query parameter with a 400 naming it, for routes that take none. */
        void noQuery() {
            if (!query.isEmpty()) {
                throw new InvalidQueryException(query.keySet().iterator().next());
            }
        }

        /** The body as {@code type}, read strictly: a misspelt or extra property is a 400 naming it. */
        <T> T body(Class<T> type) throws InvalidJsonException {
            return Json.readRequest(body, type);
        }

        /**
         * Which of {@code function}'s routes this request is, binding its path parameters. API Gateway
         * names the route it matched ({@code routeKey}) and fills {@code pathParameters}: those are
         * taken when they agree with the request itself (the route's method, and a raw path that
         * binds to the same parameters), so an event whose route key says one thing and whose request
         * says another is matched by what was requested. A front that only fills the method and raw path (the {@code $default}
         * route, a test's event) is matched by {@link ApiRoute}'s matcher. 404 when no path of the
         * function matches, 405 when only the method differs.
         */
        ApiRoute route(ApiRoute.Function function) {
            List<ApiRoute> routes = ApiRoute.servedBy(function);
            Optional<ApiRoute> named = routeKey == null ? Optional.empty() : ApiRoute.ofRouteKey(routeKey);
            if (named.isPresent() && routes.contains(named.get()) && named.get().method().equals(method)
                    && pathParameters.keySet().containsAll(named.get().parameters())
                    && named.get().bind(path).map(pathParameters::equals).orElse(false)) {
                params.putAll(pathParameters);
                return named.get();
            }
            Optional<ApiRoute.Match> match = ApiRoute.match(method, path, routes);
            if (match.isPresent()) {
                params.putAll(match.get().parameters());
                return match.get().route();
            }
            if (routes.stream().anyMatch(route -> route.bind(path).isPresent())) {
                throw new RouteException(405, "method_not_allowed", method + " is not allowed on " + path);
            }
            throw new RouteException(404, "not_found", "no route for " + method + " " + path);
        }
    }
}
