package dev.nixfront.nix.nar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real tools interop tests compare against; a missing tool fails the test, never skips it. */
public final class Tools {
    private Tools() {}

    /** Fails with the install command when {@code tool} is not on the PATH. */
    public static void require(String tool, String debianPackage) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return;
            }
        }
        throw new AssertionError("'" + tool + "' is not installed; these interop tests need it: apt-get install -y "
                + debianPackage);
    }

    public static void requireNix() {
        require("nix-store", "nix-bin");
    }

    /**
     * Runs {@code command} with stdin from {@code in} (or nothing) and stdout into {@code out},
     * files so that no pipe can fill up; fails with its stderr unless it exits 0.
     */
    public static void run(List<String> command, Path in, Path out) throws IOException, InterruptedException {
        Path err = Files.createTempFile("tool", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(in == null ? ProcessBuilder.Redirect.from(new File("/dev/null")) : ProcessBuilder.Redirect.from(in.toFile()))
                    .redirectOutput(out == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(out.toFile()))
                    .redirectError(err.toFile());
            builder.environment().put("NIX_CONFIG", "experimental-features = nix-command\nbuild-users-group =\nsandbox = false");
            Process process = builder.start();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not finish in 5 minutes");
            }
            assertThat(process.exitValue())
                    .as("%s failed: %s", command, Files.readString(err, StandardCharsets.UTF_8))
                    .isZero();
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
