package dev.nixfront.cli.watch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Asks the local Nix which paths are valid: {@code nix-store --check-validity --print-invalid},
 * which prints the invalid ones (a build that failed, a lock of something that never became a
 * path) and exits 0.
 */
public final class NixValidity implements WatchLoop.Validity {
    private final String nixStore;

    /** @param nixStore the {@code nix-store} executable: a name on PATH or an absolute path */
    public NixValidity(String nixStore) {
        this.nixStore = nixStore;
    }

    @Override
    public List<String> valid(List<String> paths) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(nixStore, "--check-validity", "--print-invalid"));
        command.addAll(paths);
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out;
        try (InputStream in = process.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int exit = process.waitFor();
        if (exit != 0) {
            throw new IOException("nix-store --check-validity failed (exit " + exit + ")");
        }
        Set<String> invalid = new HashSet<>(out.lines().map(String::strip).toList());
        return paths.stream().filter(p -> !invalid.contains(p)).toList();
    }
}
