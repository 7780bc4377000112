package dev.nixfront.local;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real Nix client, as the judge of the tests: builds input-addressed paths from
 * {@code derivation { builder = "/bin/sh"; ... }} (no nixpkgs, no network) and substitutes from
 * the local read server into throwaway stores. Each process gets its own narinfo cache
 * ({@code XDG_CACHE_HOME}) so no answer is remembered from another test.
 */
final class NixTool {
    private static final String CONFIG = "experimental-features = nix-command\nbuild-users-group =\nsandbox = false\nsubstituters =\n";

    private final Path work;
    private final String extraConfig;

    NixTool(Path work) {
        this(work, "");
    }

    private NixTool(Path work, String extraConfig) {
        this.work = work;
        this.extraConfig = extraConfig;
    }

    /** The same tool with these nix.conf lines added to every run, e.g. {@code netrc-file = /path}. */
    NixTool withConfig(String lines) {
        return new NixTool(work, extraConfig + lines + (lines.endsWith("\n") ? "" : "\n"));
    }

    record Result(int exit, String out, String err) {
        Result ok(String what) {
            if (exit != 0) {
                fail(what + " failed with exit " + exit + ":\n" + err);
            }
            return this;
        }
    }

    /** Fails (never skips) when Nix is absent: the end-to-end tests are judged by it. */
    static void require() {
        try {
            Process p = new ProcessBuilder("nix", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return;
            }
        } catch (IOException e) {
            // fall through to the failure below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        fail("these tests need the real Nix client: apt-get install -y nix-bin");
    }

    Result run(String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("NIX_CONFIG", CONFIG + extraConfig);
        Path cache = Files.createTempDirectory(work, "xdg-cache-");
        builder.environment().put("XDG_CACHE_HOME", cache.toString());
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process process = builder.start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        String out = read(process.getInputStream());
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            fail(String.join(" ", command) + " did not finish in 5 minutes");
        }
        return new Result(process.exitValue(), out, err.join());
    }

    /** Builds a Nix expression; returns the out paths it printed (one per top-level attribute). */
    List<String> build(String expression) throws IOException, InterruptedException {
        Path file = Files.createTempFile(work, "closure-", ".nix");
        Files.writeString(file, expression);
        Result result = run("nix-build", file.toString(), "--no-out-link").ok("nix-build");
        return Arrays.stream(result.out().split("\n")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    List<String> closure(String path) throws IOException, InterruptedException {
        return Arrays.stream(run("nix-store", "-qR", path).ok("nix-store -qR").out().split("\n"))
                .map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** {@code nix copy --from URL --store <fresh store>} with only {@code trustedKey} trusted. */
    Result copyFrom(String url, String trustedKey, Path store, List<String> paths) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("nix", "copy", "--from", url, "--store", store.toString(),
                "--option", "trusted-public-keys", trustedKey, "--option", "narinfo-cache-negative-ttl", "0"));
        command.addAll(paths);
        return run(command.toArray(String[]::new));
    }

    /** The paths valid in a store (for checking what a copy brought). */
    Result pathInfo(Path store, List<String> paths) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("nix", "path-info", "--store", store.toString()));
        command.addAll(paths);
        return run(command.toArray(String[]::new));
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
