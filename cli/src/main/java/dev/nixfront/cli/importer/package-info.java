/**
 * {@code nixfront import}: copying an existing binary cache (a {@code file://} directory written by
 * {@code nix copy}, or any cache served over HTTP: an S3 bucket's HTTPS endpoint, Attic, niks3,
 * another nixfront) into a nixfront cache, without a Nix store. Each narinfo must be signed by a
 * key the user names; each NAR is checked against it before the normal upload protocol takes it,
 * and the server checks and signs again.
 */
package dev.nixfront.cli.importer;
