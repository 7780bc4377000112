/**
 * {@code nixfront push}: from store paths to published narinfos. For one path of a closure the
 * client learns from {@code nix path-info --json} (Nix 2.8 prints SRI hashes and full paths)
 * <pre>{@code
 * {"path":"/nix/store/j1skbi8g1kn9pzdp9m8540v0h39lfkv1-b",
 *  "narHash":"sha256-rGKinkEpiMx6hKt73cSoz41YrnAJplIuPx6B0p98PQ0=","narSize":560,
 *  "references":["/nix/store/vh7bla61rjgk302zgclspbsn8w40vf7q-a"],
 *  "deriver":"/nix/store/y4kgnkbf21nb1g993kchkafm7vh03k6s-b.drv"}
 * }</pre>
 * serialises and compresses the NAR itself (its hash must equal {@code narHash}), PUTs it to the
 * presigned URL the server chose, {@code _staging/<cache>/<shard>/<FileHash nix32>.nar.zst} (unless the
 * answer says the cache has the file already), and publishes
 * <pre>{@code
 * {"storePath":"/nix/store/j1skbi8g1kn9pzdp9m8540v0h39lfkv1-b",
 *  "narHash":"sha256:<nix32>","narSize":560,"fileHash":"sha256:<nix32>","fileSize":212,
 *  "compression":"zstd","references":["vh7bla61rjgk302zgclspbsn8w40vf7q-a"],
 *  "deriver":"y4kgnkbf21nb1g993kchkafm7vh03k6s-b.drv"}
 * }</pre>
 * after the paths it references: the server copies the NAR to {@code <cache>/nar/...}, signs and
 * writes the narinfo only once it has verified the NAR and found every reference published.
 */
package dev.nixfront.cli.push;
