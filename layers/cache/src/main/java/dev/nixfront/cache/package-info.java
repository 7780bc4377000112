/**
 * The cache domain: creating caches and tokens, handing out presigned uploads, and publishing store
 * paths only after their NARs are verified. Services take their ports ({@link dev.nixfront.cache.Ports})
 * and a {@link java.time.Clock}; {@link dev.nixfront.cache.Services#create} wires them once per process.
 *
 * <p>What publish turns a client's path info into, for the path {@code hi} of Nix's test vectors
 * (the NAR of a file {@code hi\n}, uploaded uncompressed), signed with the cache key {@code team-1}:
 * <pre>
 * StorePath: /nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi
 * URL: nar/h/1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h.nar
 * Compression: none
 * FileHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h
 * FileSize: 120
 * NarHash: sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h
 * NarSize: 120
 * References: ffffffffffffffffffffffffffffffff-dep
 * Sig: team-1:&lt;base64 Ed25519 signature of the fingerprint&gt;
 * </pre>
 * The signature covers the fingerprint
 * {@code 1;/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi;sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h;120;/nix/store/ffffffffffffffffffffffffffffffff-dep}.
 * The object is written at {@code team/0123456789abcdfghijklmnpqrsvwxyz.narinfo} before the index
 * item, and only once the upload {@code _staging/team/h/1xmr8j...m8h.nar} has been read back, checked
 * against every hash and size above, and copied by the server to {@code team/nar/h/1xmr8j...m8h.nar}
 * (or the file was found there already). See docs/design.md, "Domain and API", for the rules.
 */
package dev.nixfront.cache;
