/**
 * The nixfront HTTP API as seen by the CLI: one call per route, the records of
 * {@code dev.nixfront.api} as bodies, a bearer token on every request, and the server's JSON
 * error turned into an {@link dev.nixfront.cli.client.ApiException}, e.g.
 * <pre>{@code
 * POST /v1/caches/team/missing   Authorization: Bearer nf_...
 * {"storeHashes":["j1skbi8g1kn9pzdp9m8540v0h39lfkv1","vh7bla61rjgk302zgclspbsn8w40vf7q"]}
 * 200 {"missing":["j1skbi8g1kn9pzdp9m8540v0h39lfkv1"]}
 *
 * 403 {"error":"forbidden","reason":"token tk_6a3c4d32b40d05dc may not write to cache team"}
 * }</pre>
 */
package dev.nixfront.cli.client;
