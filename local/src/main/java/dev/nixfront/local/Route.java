package dev.nixfront.local;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One API Gateway route, {@code "POST /v1/caches/{cache}/narinfos"}: the method and a path
 * template whose {@code {name}} segments become path parameters, exactly as the HTTP API in AWS
 * hands them to the Lambda.
 */
record Route(String method, String template, List<String> segments) {
    Route {
        segments = List.copyOf(segments);
    }

    /** Parses a route key such as {@code GET /v1/caches/{cache}}. */
    static Route of(String routeKey) {
        int space = routeKey.indexOf(' ');
        if (space <= 0 || !routeKey.startsWith("/", space + 1)) {
            throw new IllegalArgumentException("a route key is 'METHOD /path', not " + routeKey);
        }
        String template = routeKey.substring(space + 1);
        return new Route(routeKey.substring(0, space), template, split(template));
    }

    String routeKey() {
        return method + " " + template;
    }

    /** The path parameters if {@code path} (already split, decoded) fits this template. */
    Optional<Map<String, String>> match(String requestMethod, List<String> path) {
        if (!method.equals(requestMethod) || path.size() != segments.size()) {
            return Optional.empty();
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < segments.size(); i++) {
            String segment = segments.get(i);
            if (segment.startsWith("{") && segment.endsWith("}")) {
                if (path.get(i).isEmpty()) {
                    return Optional.empty();
                }
                parameters.put(segment.substring(1, segment.length() - 1), path.get(i));
            } else if (!segment.equals(path.get(i))) {
                return Optional.empty();
            }
        }
        return Optional.of(parameters);
    }

    static List<String> split(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        return trimmed.isEmpty() ? List.of() : List.of(trimmed.split("/", -1));
    }
}
