package dev.nixfront.cli.command;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The build-log options of the commands that push: push and watch-store. */
final class LogOptions {
    @Option(names = "--no-logs", description = "Do not push the build logs of the pushed paths.")
    boolean noLogs;

    @Option(names = "--nix-log-dir", paramLabel = "DIR", defaultValue = "${env:NIX_LOG_DIR:-/nix/var/log/nix}",
            description = "Where Nix keeps build logs (default ${DEFAULT-VALUE}: $NIX_LOG_DIR, or /nix/var/log/nix).")
    Path nixLogDir;

    /** Nix's log directory, or null with {@code --no-logs}. */
    Path directory() {
        return noLogs ? null : nixLogDir;
    }
}
