/**
 * Nix's binary cache formats, as values that validate themselves: {@link dev.nixfront.nix.Nix32},
 * {@link dev.nixfront.nix.Hash}, {@link dev.nixfront.nix.StorePath}, {@link dev.nixfront.nix.NarInfo}.
 * No I/O and no AWS types; parsers of untrusted text throw the checked
 * {@link dev.nixfront.nix.NixFormatException} naming the field and the reason.
 *
 * <p>A narinfo, served as {@code <hash part>.narinfo} with type {@code text/x-nix-narinfo}. Fields
 * come in this order, each line ends in {@code \n}, the separator is exactly {@code ": "}, and
 * {@code References} keeps its space when empty (the signature verifies with
 * {@code cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY=}):
 *
 * <pre>
 * StorePath: /nix/store/w9yy7v61ipb5rx6i35zq1mvc2iqfmps1-hello-2.10
 * URL: nar/1mi14cqk363wv368ffiiy01knardmnlyphi6h9xv6dkjz44hk30i.nar
 * Compression: none
 * FileHash: sha256:1mi14cqk363wv368ffiiy01knardmnlyphi6h9xv6dkjz44hk30i
 * FileSize: 205968
 * NarHash: sha256:1mi14cqk363wv368ffiiy01knardmnlyphi6h9xv6dkjz44hk30i
 * NarSize: 205968
 * References: 9df65igwjmf2wbw0gbrrgair6piqjgmi-glibc-2.31 w9yy7v61ipb5rx6i35zq1mvc2iqfmps1-hello-2.10
 * Sig: cache.nixos.org-1:uP5KU8MCmyRnKGlN5oEv6xWJBI5EO/Pf5aFztZuLSz8BpCcZ1fdBnJkVXhBAlxkdm/CemsgQskhwvyd2yghTAg==
 * </pre>
 *
 * <p>The {@code Sig} is an Ed25519 signature of the fingerprint, which covers the path, its NAR's
 * hash and size, and the full paths of its references sorted bytewise (URL, compression, file
 * hash, deriver and CA are not signed):
 *
 * <pre>
 * 1;/nix/store/w9yy7v61ipb5rx6i35zq1mvc2iqfmps1-hello-2.10;sha256:1mi14cqk363wv368ffiiy01knardmnlyphi6h9xv6dkjz44hk30i;205968;/nix/store/9df65igwjmf2wbw0gbrrgair6piqjgmi-glibc-2.31,/nix/store/w9yy7v61ipb5rx6i35zq1mvc2iqfmps1-hello-2.10
 * </pre>
 *
 * <p>Hashes are written {@code sha256:<nix32>}; nix32 is base 32 over the alphabet
 * {@code 0123456789abcdfghijklmnpqrsvwxyz} of the digest read as a little-endian integer:
 * sha256("abc") is {@code sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s}.
 *
 * <p>Sources of truth, in the NixOS/nix repository: src/libstore/nar-info.cc (narinfo),
 * src/libstore/path.cc (store path names), src/libstore/path-info.cc (fingerprint),
 * src/libutil/base-nix-32.cc (nix32).
 */
package dev.nixfront.nix;
