/**
 * The ports of the cache domain: what the services need from storage, keys and queues, with no
 * AWS type in sight. Each has an AWS adapter ({@code dev.nixfront.aws}) and a local one.
 *
 * <p>Storage layout (one bucket, keys are the URL paths Nix fetches):
 * <pre>
 * team/nix-cache-info                                    StoreDir: /nix/store
 *                                                        WantMassQuery: 1
 *                                                        Priority: 40
 * team/0123456789abcdfghijklmnpqrsvwxyz.narinfo          StorePath: /nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi
 *                                                        URL: nar/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar
 *                                                        ...
 * team/nar/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar      (written by publish only: a copy of
 *                                                        what it verified, Content-Type and Cache-Control
 *                                                        its own, never replaced)
 * _staging/team/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar  (every upload, single PUT or multipart,
 *                                                        never served; deleted once copied; outside the
 *                                                        cache's prefix so one lifecycle rule on _staging/
 *                                                        expires what is never published)
 * </pre>
 *
 * <p>Index (one DynamoDB table, pk/sk strings, gsi1 on gsi1pk/gsi1sk):
 * <pre>
 * pk=CACHE#team                                   sk=CACHE  gsi1pk=CACHES       gsi1sk=team
 * pk=PATH#team#0123456789abcdfghijklmnpqrsvwxyz   sk=PATH   gsi1pk=PATHS#team   gsi1sk=0123456789abcdfghijklmnpqrsvwxyz
 * pk=TOKEN#&lt;sha256 hex of nf_...&gt;                sk=TOKEN  gsi1pk=TOKENS       gsi1sk=tk_3f9a0c1d2b4e5f60
 * </pre>
 */
package dev.nixfront.cache.port;
