package dev.nixfront.api;

import java.util.List;

/**
 * The body of every 4xx/5xx answer, e.g.
 * {@code {"error":"invalid","field":"paths[3].narHash","reason":"hash: expected 52 characters, got 51"}} or
 * {@code {"error":"conflict","field":"paths[0].references","reason":"2 references are not published ...",
 * "missing":["..."],"missingCount":2}}.
 *
 * <p>Every answer must fit Lambda's 6 MB response by construction, so {@code missing} names at most
 * {@value #MAX_MISSING} references (the first ones, in request order) and the reason never repeats
 * them: a request may carry 200 paths of ~2,000 references each, and a 409 listing them all, twice,
 * was 7-18 MB. {@code missingCount} says how many there are in all; a client publishes or waits for
 * the named ones and asks again.
 *
 * @param error        a stable code: invalid, unauthenticated, forbidden, not_found, conflict, too_many,
 *                     verification_failed, method_not_allowed, internal
 * @param field        the JSON path or header at fault, or null
 * @param missing      for missing references: the basenames of the first {@value #MAX_MISSING}; null otherwise
 * @param missingCount for missing references: how many are missing in all; null otherwise
 */
public record ApiError(String error, String field, String reason, List<String> missing, Integer missingCount) {
    /** The most references one 409 names: 1,000 of the longest basenames are ~250 KB of JSON. */
    public static final int MAX_MISSING = 1_000;

    public ApiError(String error, String field, String reason) {
        this(error, field, reason, null, null);
    }

    public ApiError(String error, String field, String reason, List<String> missing) {
        this(error, field, reason, missing, missing == null ? null : missing.size());
    }

    public ApiError {
        missing = missing == null ? null : List.copyOf(missing);
    }
}
