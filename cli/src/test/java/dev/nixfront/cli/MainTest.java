package dev.nixfront.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.sign.PublicKey;
import dev.nixfront.nix.sign.SecretKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @TempDir
    Path dir;

    /** What one in-process run of the command printed. */
    record Result(int code, String out, String err) {
        /** Asserts the run failed with exactly one line on stderr, and returns that line. */
        String errorLine(int expectedCode) {
            assertThat(code).as("exit code; stderr: %s", err).isEqualTo(expectedCode);
            assertThat(err).endsWith("\n");
            assertThat(err.strip()).doesNotContain("\n");
            assertThat(out).isEmpty();
            return err.strip();
        }
    }

    static Result nixfront(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void aCommandLineThatNamesACommandModelsThatCommandAlone() {
        // Each name is the one its class's @Command gives it: picocli would otherwise answer
        // "nixfront push" with whatever class the table put under "push".
        NixfrontCommand.COMMANDS.forEach((name, type) ->
                assertThat(type.getAnnotation(picocli.CommandLine.Command.class).name()).as("@Command name of %s", type).isEqualTo(name));
        assertThat(Main.commandLine().getSubcommands().keySet()).containsExactlyElementsOf(NixfrontCommand.COMMANDS.keySet());
        assertThat(Main.commandLine(new String[] {"push", "team", "./result"}).getSubcommands().keySet()).containsExactly("push");
        assertThat(Main.commandLine(new String[] {"cache", "create", "team"}).getSubcommands().get("cache").getSubcommands().keySet())
                .contains("create", "update", "delete");
        assertThat(Main.commandLine(new String[] {"help", "push"}).getSubcommands().keySet())
                .as("help looks its topic up among all of them").containsExactlyElementsOf(NixfrontCommand.COMMANDS.keySet());
        assertThat(Main.commandLine(new String[] {"--version"}).getSubcommands()).hasSameSizeAs(NixfrontCommand.COMMANDS);
        assertThat(nixfront("push", "--help").out()).startsWith("Usage: nixfront push ");
        assertThat(nixfront("push", "--version").out()).startsWith("nixfront ");
    }

    @Test
    void helpListsEveryCommandWithExamples() {
        Result help = nixfront("--help");
        assertThat(help.code()).isZero();
        assertThat(help.err()).isEmpty();
        assertThat(help.out()).startsWith("Usage: nixfront [-hV] [COMMAND]\n")
                .contains("A Nix binary cache in your own AWS account")
                .containsPattern("\n  login +Remember a server")
                .containsPattern("\n  cache +Create, list")
                .containsPattern("\n  push +Push store paths")
                .containsPattern("\n  pin +Pin a store path")
                .containsPattern("\n  use +Print the nix.conf lines")
                .containsPattern("\n  token +Create, list and revoke")
                .containsPattern("\n  key +Ed25519 signing keys")
                .contains("Examples:\n", "nixfront key generate team-1 --secret-key-file sk --public-key-file pk");
        assertThat(nixfront().out()).as("no command shows the help").isEqualTo(help.out());
        assertThat(nixfront("help", "key").out()).isEqualTo(nixfront("key", "--help").out());
    }

    @Test
    void versionNamesTheBuildAndTheJava() {
        Result version = nixfront("--version");
        assertThat(version.code()).isZero();
        assertThat(version.out()).matches("nixfront \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\nJava .+\n");
        assertThat(nixfront("key", "generate", "--version").out()).isEqualTo(version.out());
    }

    @Test
    void keyGenerateWritesNixKeyFiles() throws IOException, NixFormatException {
        Path sk = dir.resolve("sk");
        Path pk = dir.resolve("pk");
        Result result = nixfront("key", "generate", "cache.example.org-1", "--secret-key-file", sk.toString(),
                "--public-key-file", pk.toString());
        assertThat(result.code()).as(result.err()).isZero();
        String secret = Files.readString(sk);
        String publicKey = Files.readString(pk);
        assertThat(secret).as("no trailing newline, like Nix").matches("cache\\.example\\.org-1:[A-Za-z0-9+/]{86}==");
        assertThat(publicKey).matches("cache\\.example\\.org-1:[A-Za-z0-9+/]{43}=");
        assertThat(SecretKey.parse(secret).publicKey()).isEqualTo(PublicKey.parse(publicKey));
        assertThat(result.out()).isEqualTo(publicKey + "\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sk))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pk))).isEqualTo("rw-r--r--");
        assertThat(listing()).containsExactlyInAnyOrder("pk", "sk");
        Path sk2 = dir.resolve("sk2");
        Path pk2 = dir.resolve("pk2");
        nixfront("key", "generate", "cache.example.org-1", "--secret-key-file", sk2.toString(), "--public-key-file", pk2.toString());
        assertThat(Files.readString(sk2)).as("a fresh key each time").isNotEqualTo(secret);
    }

    @Test
    void keyGenerateRefusesToOverwriteAndLeavesNothingBehind() throws IOException {
        Path sk = dir.resolve("sk");
        Path pk = dir.resolve("pk");
        Files.writeString(pk, "old");
        String line = nixfront("key", "generate", "k-1", "--secret-key-file", sk.toString(), "--public-key-file", pk.toString())
                .errorLine(Main.FAILURE);
        assertThat(line).isEqualTo("nixfront: refusing to overwrite " + pk + ": it exists (use --force to replace it)");
        assertThat(Files.readString(pk)).isEqualTo("old");
        assertThat(listing()).containsExactly("pk");

        // A dangling symbolic link is an existing file too: writing through it could land anywhere.
        Files.delete(pk);
        Files.createSymbolicLink(sk, dir.resolve("elsewhere"));
        assertThat(nixfront("key", "generate", "k-1", "--secret-key-file", sk.toString(), "--public-key-file", pk.toString())
                .errorLine(Main.FAILURE)).isEqualTo("nixfront: refusing to overwrite " + sk + ": it exists (use --force to replace it)");
        assertThat(listing()).containsExactly("sk");
    }

    @Test
    void keyGenerateWithForceReplacesAndTightensTheMode() throws IOException, NixFormatException {
        Path sk = dir.resolve("sk");
        Path pk = dir.resolve("pk");
        Files.writeString(sk, "old secret");
        Files.setPosixFilePermissions(sk, PosixFilePermissions.fromString("rw-r--r--"));
        Files.writeString(pk, "old public");
        Result result = nixfront("key", "generate", "k-2", "--force", "--secret-key-file", sk.toString(),
                "--public-key-file", pk.toString());
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(SecretKey.parse(Files.readString(sk)).publicKey()).isEqualTo(PublicKey.parse(Files.readString(pk)));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sk))).isEqualTo("rw-------");
        assertThat(listing()).containsExactlyInAnyOrder("pk", "sk");
    }

    @Test
    void badCommandLinesGetOneLineAndExitCode2() throws IOException {
        String sk = dir.resolve("sk").toString();
        String pk = dir.resolve("pk").toString();
        assertThat(nixfront("key", "generate", "a:b", "--secret-key-file", sk, "--public-key-file", pk).errorLine(Main.USAGE))
                .isEqualTo("nixfront: key name: must not contain ':' (it separates the name from the key), got 'a:b'"
                        + " (see 'nixfront key generate --help')");
        assertThat(nixfront("key", "generate", "a b", "--secret-key-file", sk, "--public-key-file", pk).errorLine(Main.USAGE))
                .isEqualTo("nixfront: key name: must not contain whitespace or control characters, got 'a b'"
                        + " (see 'nixfront key generate --help')");
        assertThat(nixfront("key", "generate", "k-1").errorLine(Main.USAGE))
                .isEqualTo("nixfront: missing required options: '--secret-key-file=FILE', '--public-key-file=FILE'"
                        + " (see 'nixfront key generate --help')");
        assertThat(nixfront("key", "generate", "k-1", "--secret-key-file", sk, "--public-key-file", sk).errorLine(Main.USAGE))
                .isEqualTo("nixfront: --secret-key-file and --public-key-file must be different files"
                        + " (see 'nixfront key generate --help')");
        assertThat(nixfront("key").errorLine(Main.USAGE)).isEqualTo("nixfront: missing required subcommand (see 'nixfront key --help')");
        assertThat(nixfront("pussh").errorLine(Main.USAGE))
                .isEqualTo("nixfront: unknown command 'pussh', did you mean push or use or trust? (see 'nixfront --help')");
        assertThat(nixfront("--frobnicate").errorLine(Main.USAGE)).startsWith("nixfront: unknown option '--frobnicate'");
        assertThat(listing()).isEmpty();
    }

    @Test
    void aCacheUpdateTakesOneVisibilityAndSomethingToChange() {
        assertThat(nixfront("cache", "update", "team", "--private", "--public", "--server", "http://127.0.0.1:9", "--token", "t")
                .errorLine(Main.USAGE)).startsWith("nixfront: error: --private, --public are mutually exclusive");
        assertThat(nixfront("cache", "update", "team", "--server", "http://127.0.0.1:9", "--token", "t").errorLine(Main.USAGE))
                .isEqualTo("nixfront: nothing to change: give --private, --public, --priority, --retention, --max-size, --nar-grace, --upstream or --no-default-upstream"
                        + " (see 'nixfront cache update --help')");
        assertThat(nixfront("cache", "create", "team", "--upstream", "https://a.example", "--upstream", "https://b.example",
                "--upstream-key", "a-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=", "--server", "http://127.0.0.1:9", "--token", "t")
                .errorLine(Main.USAGE)).startsWith("nixfront: give one --upstream-key for each --upstream, in the same order (got 2 URLs and 1 keys)");
    }

    @Test
    void aMissingDirectoryIsAFailureOfOneLine() {
        Path sk = dir.resolve("missing/sk");
        assertThat(nixfront("key", "generate", "k-1", "--secret-key-file", sk.toString(),
                "--public-key-file", dir.resolve("pk").toString()).errorLine(Main.FAILURE))
                .isEqualTo("nixfront: cannot write " + sk + ": its directory does not exist");
    }

    private java.util.List<String> listing() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).toList();
        }
    }
}
