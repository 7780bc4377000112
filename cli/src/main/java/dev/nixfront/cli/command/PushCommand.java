package dev.nixfront.cli.command;

import dev.nixfront.api.Json;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.push.PushSummary;
import dev.nixfront.cli.push.Pusher;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.NixFormatException;
import java.io.IOException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "push", mixinStandardHelpOptions = true,
        description = {"Push store paths and their closure to a cache.",
                "NARs go straight to storage through presigned URLs; the server verifies and signs them. "
                        + "Paths the cache has, or an upstream of it serves, are skipped. The build logs Nix kept for the pushed "
                        + "paths' derivers go too (nix log --store <cache URL> PATH prints them)."})
public final class PushCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "CACHE")
    String cache;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "PATH", description = "Store paths, or links to them such as ./result.")
    List<String> paths;

    @Option(names = "--no-closure", description = "Push only the given paths (their references must already be in the cache).")
    boolean noClosure;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", defaultValue = "8", description = "Uploads in flight (default ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--compression", paramLabel = "zstd|xz|none", defaultValue = "zstd", description = "NAR compression (default ${DEFAULT-VALUE}).")
    String compression;

    @Option(names = "--level", paramLabel = "N", defaultValue = "-1", description = "Compression level (default: the codec's, zstd 3, xz 6).")
    int level;

    @Option(names = "--json", description = "Print the summary as JSON on stdout, and no progress.")
    boolean json;

    @Mixin
    LogOptions logs;

    /** The {@code --compression} of a command that uploads: one the server accepts. */
    static Compression uploadCodec(String compression) {
        Compression codec;
        try {
            codec = Compression.parse(compression);
        } catch (NixFormatException e) {
            throw new IllegalArgumentException("--compression: " + e.getMessage(), e);
        }
        if (!codec.supportedForUpload()) {
            throw new IllegalArgumentException("--compression must be zstd, xz or none");
        }
        return codec;
    }

    @Override
    int run() throws IOException, InterruptedException, ApiException {
        Compression codec = uploadCodec(compression);
        Pusher pusher = Pusher.create(client(), http(), err(), Terminal.isInteractive(), json);
        PushSummary summary = pusher.push(new Pusher.Options(cache, paths, !noClosure, jobs, codec, level, logs.directory()));
        if (json) {
            out().println(Json.write(summary));
        } else {
            out().println(summary.describe());
        }
        out().flush();
        return 0;
    }
}
