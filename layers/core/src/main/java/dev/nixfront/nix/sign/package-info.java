/**
 * Ed25519 keys and signatures in Nix's text forms (pure RFC 8032 through Bouncy Castle's
 * lightweight API, byte-identical to libsodium, which Nix uses).
 *
 * <p>A secret key file, as {@code nix-store --generate-binary-cache-key test-key sk pk} writes it
 * (no trailing newline): the key name, a colon, and base64 of 64 bytes, the 32-byte seed followed
 * by the 32-byte public key. This one is Nix's own test key (src/libstore-tests/realisation.cc):
 *
 * <pre>
 * test-key:tU7tTvLcScf8pmz/eTV0BEtLmRsPpZfKaRcd0nCN+pysBZPHSeg61/u2oc7mIOewfuAY1V1BiX32homTaDJ2Jw==
 * </pre>
 *
 * <p>Its public key file, also the form {@code trusted-public-keys} takes:
 *
 * <pre>
 * test-key:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=
 * </pre>
 *
 * <p>Signing the fingerprint
 * {@code 1;/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi;sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h;120;/nix/store/ffffffffffffffffffffffffffffffff-dep}
 * with it gives the narinfo line
 *
 * <pre>
 * Sig: test-key:+ukqC/zDnRc1Yuytc4zjBQq65mn8bGTikREAMRGDFq4W7/jf2gPIX4X/FJlCA4FZGhUVUc41lpsATfyXwpiFAA==
 * </pre>
 *
 * <p>A client accepts a path when one {@code Sig} carries the name of a trusted key and verifies
 * with it. Source of truth: src/libutil/signature/local-keys.cc in the NixOS/nix repository.
 */
package dev.nixfront.nix.sign;
