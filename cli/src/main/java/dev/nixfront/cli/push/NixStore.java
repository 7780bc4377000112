package dev.nixfront.cli.push;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nixfront.api.Json;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Asks the local Nix which paths to push and what it knows of them: {@code nix path-info --json}
 * (with {@code -r} for the closure), whose output carries NarHash, NarSize, references and deriver
 * of every path in one process run, however many paths.
 */
final class NixStore {
    private final String nix;

    /** @param nix the {@code nix} executable: a name on PATH or an absolute path */
    NixStore(String nix) {
        this.nix = nix;
    }

    /**
     * The given paths (store paths, or symlinks into the store such as {@code ./result}) and, with
     * {@code closure}, everything they reference, transitively.
     */
    List<LocalPath> query(List<String> paths, boolean closure) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(nix, "--extra-experimental-features", "nix-command", "path-info", "--json"));
        if (closure) {
            command.add("--recursive");
        }
        command.add("--");
        command.addAll(paths);
        Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(nullFile())).start();
        CompletableFuture<String> errors = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        JsonNode root;
        try (InputStream out = process.getInputStream()) {
            // The API's mapper: building a second ObjectMapper would cost a short push ~0.1 s.
            root = Json.mapper().readTree(out);
        } catch (IOException e) {
            process.destroy();
            throw new IOException("could not read the output of nix path-info: " + e.getMessage(), e);
        }
        int exit = process.waitFor();
        if (exit != 0) {
            String why = errors.join().strip();
            throw new IOException("nix path-info failed (exit " + exit + ")" + (why.isEmpty() ? "" : ": " + lastLine(why)));
        }
        return parse(root);
    }

    static List<LocalPath> parse(JsonNode root) throws IOException {
        if (root == null || !root.isArray()) {
            throw new IOException("nix path-info --json did not print a JSON array");
        }
        List<LocalPath> result = new ArrayList<>(root.size());
        for (JsonNode node : root) {
            String path = node.path("path").asText("");
            if (!node.path("valid").asBoolean(true) || !node.has("narHash")) {
                throw new IOException(path + " is not a valid path in the local Nix store");
            }
            try {
                List<StorePath> references = new ArrayList<>();
                for (JsonNode ref : node.path("references")) {
                    references.add(StorePath.parse(ref.asText()));
                }
                String deriver = node.path("deriver").asText(null);
                String ca = node.path("ca").asText(null);
                result.add(new LocalPath(StorePath.parse(path), Hash.parse(node.get("narHash").asText()),
                        node.path("narSize").asLong(), references,
                        deriver == null || deriver.isEmpty() ? null : StorePath.parse(deriver),
                        ca == null || ca.isEmpty() ? null : ca));
            } catch (NixFormatException e) {
                throw new IOException("nix path-info printed something unexpected for " + path + ": " + e.getMessage(), e);
            }
        }
        return result;
    }

    private static java.io.File nullFile() {
        return new java.io.File("/dev/null");
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.split("\n");
        return lines[lines.length - 1].strip();
    }
}
