package dev.nixfront.cli.command;

import dev.nixfront.api.Json;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.importer.ImportSummary;
import dev.nixfront.cli.importer.Importer;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import dev.nixfront.nix.sign.PublicKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Copy an existing binary cache into a cache, without a Nix store.",
                "SOURCE is a file:// directory (every narinfo in it is imported) or an http(s):// binary cache, walked "
                        + "from the store paths of --roots through their references (an S3 bucket readable over HTTPS by its "
                        + "https:// URL; Attic and niks3 by their cache URL). Every narinfo must be signed by a --source-key; "
                        + "every NAR is checked against its FileHash, FileSize, NarHash and NarSize, then uploaded, and the "
                        + "cache signs it with its own key. Paths the cache has are skipped, so a re-run continues an "
                        + "interrupted import. Exits 1 when any path was refused."})
public final class ImportCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "SOURCE", description = "file:///DIR or http(s)://URL of the binary cache to import.")
    String source;

    @Parameters(index = "1", paramLabel = "CACHE")
    String cache;

    @Option(names = "--source-key", paramLabel = "NAME:BASE64", required = true,
            description = "A public key the source's narinfos are signed with (repeatable), e.g. cache.example.org-1:6NCH...=")
    List<String> sourceKeys;

    @Option(names = "--roots", paramLabel = "FILE",
            description = "Store paths to import with their closures, one per line ('#' comments), as /nix/store/HASH-NAME, HASH-NAME, HASH "
                    + "or HASH.narinfo (what listing a bucket prints); required for an http(s) source.")
    Path roots;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", defaultValue = "4", description = "NARs fetched and uploaded at once (default ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--json", description = "Print the summary as JSON on stdout, and no progress.")
    boolean json;

    @Override
    int run() throws IOException, InterruptedException, ApiException {
        List<PublicKey> keys = new ArrayList<>();
        for (String key : sourceKeys) {
            try {
                keys.add(PublicKey.parse(key));
            } catch (NixFormatException e) {
                throw new IllegalArgumentException("--source-key: " + e.getMessage(), e);
            }
        }
        Importer importer = new Importer(client(), http(), err(), json);
        ImportSummary summary = importer.run(source, new Importer.Options(cache, keys, roots == null ? null : readRoots(roots), jobs));
        if (json) {
            out().println(Json.write(summary));
        } else {
            out().println(summary.describe());
        }
        out().flush();
        return summary.refused().isEmpty() ? 0 : 1;
    }

    private static List<StorePathHash> readRoots(Path file) throws IOException {
        List<StorePathHash> paths = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                paths.add(root(line));
            } catch (NixFormatException e) {
                throw new IllegalArgumentException("--roots " + file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("--roots " + file + " names no store path");
        }
        return paths;
    }

    private static StorePathHash root(String line) throws NixFormatException {
        if (line.startsWith("/")) {
            return StorePath.parse(line).hash();
        }
        String name = line.endsWith(".narinfo") ? line.substring(0, line.length() - ".narinfo".length()) : line;
        if (name.length() > StorePathHash.LENGTH) {
            return StorePath.parseBaseName(StorePath.DEFAULT_STORE_DIR, name).hash();
        }
        return StorePathHash.parse(name);
    }
}
