/**
 * The commands that talk to a nixfront server: {@code login}, {@code cache}, {@code token},
 * {@code push} and {@code use}. The server and token come from {@code --server}/{@code --token},
 * else {@code NIXFRONT_SERVER}/{@code NIXFRONT_TOKEN}, else {@code ~/.config/nixfront/config}
 * (written by {@code login}, mode 0600):
 * <pre>
 * server=http://127.0.0.1:8470
 * token=nf_W4TkGT_r521J2GZYSlRoXKUzY86tgEr5TRqdh7Be98w
 * </pre>
 * {@code nixfront use team} prints what Nix needs to substitute from a cache:
 * <pre>
 * extra-substituters = http://127.0.0.1:8471/team
 * extra-trusted-public-keys = team-1:P2Kpw6WJqrl0bB3qaNz/ieJdUkjX3GxlB5RksswDako=
 * </pre>
 */
package dev.nixfront.cli.command;
