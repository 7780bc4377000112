/**
 * The Lambda handlers: one class per function and privilege boundary, each turning an API Gateway
 * HTTP API (payload 2.0) event into one service call. Every handler has a no-argument constructor
 * for Lambda (AWS adapters from {@link dev.nixfront.functions.FunctionConfig}, built once per
 * container) and one taking {@link dev.nixfront.cache.Services}, which the local stack and the
 * tests use with their own wiring.
 *
 * <p>An event, trimmed to what the handlers read, and the answer to it:
 * <pre>{@code
 * {"version":"2.0","routeKey":"POST /v1/caches/{cache}/missing","rawPath":"/v1/caches/team/missing",
 *  "headers":{"authorization":"Bearer nf_...","content-type":"application/json"},
 *  "requestContext":{"http":{"method":"POST","path":"/v1/caches/team/missing"}},
 *  "body":"{\"storeHashes\":[\"0123456789abcdfghijklmnpqrsvwxyz\"]}","isBase64Encoded":false}
 *
 * 200 {"missing":["0123456789abcdfghijklmnpqrsvwxyz"]}
 * }</pre>
 *
 * <p>Refusals are JSON {@link dev.nixfront.api.ApiError}s: 400 invalid (malformed JSON included),
 * 401 unauthenticated, 403 forbidden, 404 not_found, 405 method_not_allowed, 409 conflict, 413
 * too_many, 422 verification_failed; 500 only when a backend fails.
 */
package dev.nixfront.functions;
