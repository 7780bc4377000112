/**
 * The HTTP wire contract of nixfront: one record per request and response body, shared by the CLI
 * and the functions, and the one {@link dev.nixfront.api.Json} mapping they both use.
 *
 * <p>Routes, declared in {@link dev.nixfront.api.ApiRoute} (API Gateway HTTP API, bearer token
 * {@code Authorization: Bearer nf_...}); their bodies:
 * <pre>
 * GET    /v1/caches                          -> CacheList
 * POST   /v1/caches                          CreateCacheRequest -> 201 CacheInfo
 * GET    /v1/caches/{cache}                  -> CacheInfo
 * DELETE /v1/caches/{cache}                  -> 204
 * POST   /v1/caches/{cache}/missing          MissingRequest -> MissingResponse
 * GET    /v1/caches/{cache}/paths/{hash}     -> PathStatus
 * POST   /v1/caches/{cache}/uploads          UploadRequest -> UploadResponse
 * POST   /v1/caches/{cache}/uploads/parts    PartsRequest -> PartsResponse
 * POST   /v1/caches/{cache}/uploads/complete CompleteUploadRequest -> CompleteUploadResponse
 * POST   /v1/caches/{cache}/narinfos         PublishRequest -> PublishResponse
 * POST   /v1/caches/{cache}/roots            RootsRequest -> RootsResponse
 * GET    /v1/caches/{cache}/pins             -> PinList
 * PUT    /v1/caches/{cache}/pins/{name}      PinRequest -> PinInfo
 * DELETE /v1/caches/{cache}/pins/{name}      -> 204
 * POST   /v1/tokens                          CreateTokenRequest -> 201 CreatedToken
 * GET    /v1/tokens                          -> TokenList
 * DELETE /v1/tokens/{id}                     -> 204
 * </pre>
 *
 * <p>A publish request and an error answer:
 * <pre>{@code
 * POST /v1/caches/team/narinfos
 * {"paths":[{"storePath":"/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi",
 *            "narHash":"sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h","narSize":120,
 *            "fileHash":"sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h","fileSize":120,
 *            "compression":"none","references":["ffffffffffffffffffffffffffffffff-dep"]}]}
 *
 * 409 {"error":"conflict","field":"paths[0].references",
 *      "reason":"references not published in cache team nor in this batch: ffffffffffffffffffffffffffffffff-dep",
 *      "missing":["ffffffffffffffffffffffffffffffff-dep"]}
 * }</pre>
 *
 * <p>Requests are read strictly ({@link dev.nixfront.api.Json#readRequest}): every property known,
 * once, with its JSON type, and the lists a request is about present. A typo is an error, not a
 * default:
 * <pre>{@code
 * POST /v1/caches
 * {"name":"team","privat":true}
 *
 * 400 {"error":"invalid","field":"privat","reason":"unknown property; expected one of name, priority, private, signingKey, upstreams"}
 * }</pre>
 */
package dev.nixfront.api;
