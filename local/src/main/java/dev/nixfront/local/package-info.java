/**
 * {@code ./nixfront local}: the same handlers as in Lambda, on one machine. An HTTP request to
 * the API front becomes the API Gateway v2 event the handler would get in AWS:
 * <pre>{@code
 * POST /v1/caches/team/narinfos HTTP/1.1        ->  {"version":"2.0",
 * Authorization: Bearer nf_...                        "routeKey":"POST /v1/caches/{cache}/narinfos",
 * Content-Type: application/json                      "rawPath":"/v1/caches/team/narinfos",
 * {"paths":[...]}                                     "pathParameters":{"cache":"team"},
 *                                                     "headers":{"authorization":"Bearer nf_...", ...},
 *                                                     "body":"{\"paths\":[...]}","isBase64Encoded":false}
 * }</pre>
 * and the read server answers Nix as CloudFront would: {@code GET /team/nix-cache-info},
 * {@code /team/<hash>.narinfo} and {@code /team/nar/<filehash>.nar.zst} are the S3 objects of
 * the same keys, 404 when absent, never anything outside a cache such as the staging area
 * {@code _staging/team/}.
 */
package dev.nixfront.local;
