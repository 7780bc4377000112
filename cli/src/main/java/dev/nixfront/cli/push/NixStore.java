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
import java.util.Map;
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

    /**
     * Reads both shapes Nix has printed: an array of objects each naming its {@code path} (up to
     * 2.18, Debian's 2.8 among them), and an object keyed by path whose values lack it (2.19 on,
     * where an invalid path maps to null). Newer Nix also writes references and the deriver as
     * basenames, and may write a hash as an object with its algorithm; all are accepted.
     */
    static List<LocalPath> parse(JsonNode root) throws IOException {
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        if (root != null && root.isArray()) {
            for (JsonNode node : root) {
                entries.add(Map.entry(node.path("path").asText(""), node));
            }
        } else if (root != null && root.isObject()) {
            root.properties().forEach(entries::add);
        } else {
            throw new IOException("nix path-info --json printed neither a JSON array nor an object");
        }
        List<LocalPath> result = new ArrayList<>(entries.size());
        for (Map.Entry<String, JsonNode> entry : entries) {
            String path = entry.getKey();
            JsonNode node = entry.getValue();
            if (node == null || node.isNull() || !node.path("valid").asBoolean(true) || !node.has("narHash")) {
                throw new IOException(path + " is not a valid path in the local Nix store");
            }
            try {
                StorePath storePath = StorePath.parse(path);
                List<StorePath> references = new ArrayList<>();
                for (JsonNode ref : node.path("references")) {
                    references.add(storePath(storePath.storeDir(), ref.asText()));
                }
                String deriver = node.path("deriver").asText(null);
                String ca = node.path("ca").isTextual() ? node.path("ca").asText() : null;
                result.add(new LocalPath(storePath, hash(node.get("narHash")),
                        node.path("narSize").asLong(), references,
                        deriver == null || deriver.isEmpty() ? null : storePath(storePath.storeDir(), deriver),
                        ca == null || ca.isEmpty() ? null : ca));
            } catch (NixFormatException e) {
                throw new IOException("nix path-info printed something unexpected for " + path + ": " + e.getMessage(), e);
            }
        }
        return result;
    }

    private static StorePath storePath(String storeDir, String text) throws NixFormatException {
        return text.startsWith("/") ? StorePath.parse(text) : StorePath.parseBaseName(storeDir, text);
    }

    private static Hash hash(JsonNode node) throws NixFormatException {
        if (node.isObject()) {
            String algorithm = node.path("algorithm").asText("");
            if (!algorithm.equals("sha256")) {
                throw new NixFormatException("narHash", "expected a sha256, got '" + algorithm + "'");
            }
            return Hash.parse(node.path("hash").asText(""));
        }
        return Hash.parse(node.asText());
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
