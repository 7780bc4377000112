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
 *                                                        URL: nar/h/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar
 *                                                        ...
 * team/nar/h/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar    (written by publish only: a copy of
 *                                                        what it verified, Content-Type and Cache-Control
 *                                                        its own, never replaced)
 * _staging/team/h/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar  (every upload, single PUT or multipart,
 *                                                        never served; deleted once copied; outside the
 *                                                        cache's prefix so one lifecycle rule on _staging/
 *                                                        expires what is never published)
 * </pre>
 * The {@code h} after {@code nar/} and {@code _staging/team/} is the file hash's last nix32 digit,
 * spreading one cache's NAR traffic over 32 S3 prefixes.
 *
 * <p>Index (one DynamoDB table, pk/sk strings, gsi1 on gsi1pk/gsi1sk for caches and tokens, gsi2 on
 * gsi2pk/gsi2sk, keys only, for a cache's paths in 32 shards):
 * <pre>
 * pk=CACHE#team                                   sk=CACHE  gsi1pk=CACHES       gsi1sk=team
 * pk=PATH#team.3f9a0c1d2b4e5f60#0123456789abcdfghijklmnpqrsvwxyz  sk=PATH  gsi2pk=PATHS#team.3f9a0c1d2b4e5f60#z  gsi2sk=0123456789abcdfghijklmnpqrsvwxyz
 * pk=TOKEN#&lt;sha256 hex of nf_...&gt;                sk=TOKEN  gsi1pk=TOKENS       gsi1sk=tk_3f9a0c1d2b4e5f60
 * pk=ROOTS#team.3f9a0c1d2b4e5f60#z               sk=0123456789abcdfghijklmnpqrsvwxyz  (a root a push reported, RootRepository)
 * pk=PINS#team.3f9a0c1d2b4e5f60                  sk=release  (a pin and its revisions, PinRepository)
 * pk=USAGE#team.3f9a0c1d2b4e5f60#7               sk=USAGE    (one of 16 usage counters, UsageCounter)
 * </pre>
 */
package dev.nixfront.cache.port;
