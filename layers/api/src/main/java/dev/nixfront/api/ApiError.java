package dev.nixfront.api;

import java.util.List;

/**
 * The body of every 4xx/5xx answer, e.g.
 * {@code {"error":"invalid","field":"paths[3].narHash","reason":"hash: expected 52 characters, got 51"}} or
 * {@code {"error":"conflict","field":"paths[0].references","reason":"references not in cache: ...","missing":["..."]}}.
 *
 * @param error   a stable code: invalid, unauthenticated, forbidden, not_found, conflict, too_many,
 *                verification_failed, method_not_allowed, internal
 * @param field   the JSON path or header at fault, or null
 * @param missing for missing references: their basenames; null otherwise
 */
public record ApiError(String error, String field, String reason, List<String> missing) {
    public ApiError(String error, String field, String reason) {
        this(error, field, reason, null);
    }

    public ApiError {
        missing = missing == null ? null : List.copyOf(missing);
    }
}
