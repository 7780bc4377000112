package dev.nixfront.cli.importer;

import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePathHash;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** A {@code file://} binary cache, as {@code nix copy --to file://DIR} writes it: listable. */
final class FileSource implements Source {
    private static final String SUFFIX = ".narinfo";

    private final Path root;

    FileSource(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException(root + " is not a directory");
        }
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public String describe() {
        return "file://" + root;
    }

    @Override
    public Optional<List<StorePathHash>> list() throws IOException {
        List<StorePathHash> hashes = new ArrayList<>();
        try (Stream<Path> files = Files.list(root)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path fileName = file.getFileName();
                String name = fileName == null ? "" : fileName.toString();
                if (!name.endsWith(SUFFIX)) {
                    continue;
                }
                try {
                    hashes.add(StorePathHash.parse(name.substring(0, name.length() - SUFFIX.length())));
                } catch (NixFormatException e) {
                    // Not a store path's narinfo (a stray file): nothing Nix would ever ask for.
                    continue;
                }
            }
        }
        hashes.sort(null);
        return Optional.of(hashes);
    }

    @Override
    public Optional<byte[]> narinfo(StorePathHash hash) throws IOException {
        try {
            return Optional.of(Files.readAllBytes(root.resolve(hash.value() + SUFFIX)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public InputStream open(String url) throws IOException {
        Path file = root.resolve(url).normalize();
        // NarInfo already refuses URLs leaving the root; this keeps a symlink-free promise here too.
        if (!file.startsWith(root)) {
            throw new IOException("URL " + url + " points outside " + root);
        }
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new IOException("the source has no NAR file " + url, e);
        }
    }

    @Override
    public Optional<String> cacheInfo() throws IOException {
        try {
            return Optional.of(Files.readString(root.resolve("nix-cache-info"), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }
}
