package dev.nixfront.cli;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real Nix (Debian's nix-bin, single-user as root) for interop tests. A missing Nix fails
 * the test, saying how to install it: these tests are the judge and must not silently pass.
 */
final class RealNix {
    private static final String NIX_CONFIG = "experimental-features = nix-command\nbuild-users-group =\nsandbox = false";

    /** Nix's own caches (narinfo lookups) go here, so runs never see each other's answers. */
    private final Path cacheHome;

    RealNix(Path cacheHome) {
        this.cacheHome = cacheHome;
        for (String tool : new String[] {"nix", "nix-store", "nix-build"}) {
            try {
                attempt(tool, "--version");
            } catch (IOException e) {
                fail("the interop tests need the real Nix client, and '" + tool + "' cannot be run ("
                        + e.getMessage() + "): apt-get install -y nix-bin");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    /** What a finished command printed. */
    record Run(int code, String out, String err) {}

    /** Runs a command that must succeed and returns its stdout. */
    String run(String... command) throws IOException, InterruptedException {
        Run run = attempt(command);
        if (run.code() != 0) {
            fail(String.join(" ", command) + " exited with " + run.code() + ":\n" + run.err());
        }
        return run.out();
    }

    Run attempt(String... command) throws IOException, InterruptedException {
        Path stdout = Files.createTempFile(cacheHome, "out", ".txt");
        Path stderr = Files.createTempFile(cacheHome, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.put("NIX_CONFIG", NIX_CONFIG);
        env.put("XDG_CACHE_HOME", cacheHome.toString());
        env.put("LC_ALL", "C.UTF-8");
        Process process = builder.start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish within 10 minutes");
        }
        Run run = new Run(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
        Files.delete(stdout);
        Files.delete(stderr);
        return run;
    }

    /**
     * Builds an input-addressed path that refers to a dependency and to itself, in the machine's
     * store (nix-build of a bare derivation, no nixpkgs), and returns the top path.
     */
    String buildPathsWithReferences(String label) throws IOException, InterruptedException {
        String expression = """
                let
                  dep = derivation {
                    name = "nixfront-%1$s-dep";
                    system = builtins.currentSystem;
                    builder = "/bin/sh";
                    args = [ "-c" "echo dependency > $out" ];
                  };
                in derivation {
                  name = "nixfront-%1$s-top";
                  system = builtins.currentSystem;
                  builder = "/bin/sh";
                  args = [ "-c" "echo ${dep} > $out; echo $out >> $out" ];
                }
                """.formatted(label);
        return run("nix-build", "--no-out-link", "-E", expression).strip();
    }

}
