/**
 * The {@code nixfront} command line (picocli). {@link dev.nixfront.cli.Main} builds the command
 * tree rooted at {@link dev.nixfront.cli.NixfrontCommand}; each command is a class in
 * {@code dev.nixfront.cli.command}. Errors are one line on stderr, exit code 2 for a bad command
 * line and 1 for a failed command:
 *
 * <pre>
 * $ nixfront key generate cache.example.org-1 --secret-key-file sk --public-key-file pk
 * cache.example.org-1:+STpn+PWxiljhU0QAytoNvdfFYj4cdgM5rfrAF5r7co=
 * $ nixfront key generate cache.example.org-1 --secret-key-file sk --public-key-file pk
 * nixfront: refusing to overwrite sk: it exists (use --force to replace it)
 * $ nixfront key generate a:b --secret-key-file sk --public-key-file pk
 * nixfront: key name: must not contain ':' (it separates the name from the key), got 'a:b' (see 'nixfront key generate --help')
 * </pre>
 */
package dev.nixfront.cli;
