package dev.nixfront.cli.command;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Properties;
import java.util.Objects;

/**
 * What {@code nixfront login} remembers: the server and the token, in
 * {@code ~/.config/nixfront/config} (a properties file readable by its owner only, mode 0600,
 * since the token is a secret):
 * <pre>
 * server=http://127.0.0.1:8470
 * token=nf_...
 * </pre>
 */
final class ConfigFile {
    private final Path file;

    ConfigFile(Path file) {
        this.file = file;
    }

    /** {@code <configHome>/nixfront/config}, configHome being {@code $XDG_CONFIG_HOME} or {@code ~/.config}. */
    static ConfigFile in(Path configHome) {
        return new ConfigFile(configHome.resolve("nixfront").resolve("config"));
    }

    Path path() {
        return file;
    }

    record Entry(String server, String token) {
        @Override
        public String toString() {
            return "Entry[server=" + server + ", token=<redacted>]";
        }
    }

    Optional<Entry> read() throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        return Optional.of(new Entry(properties.getProperty("server"), properties.getProperty("token")));
    }

    /** Replaces the file atomically; the new file is 0600 from its creation, never briefly world-readable. */
    void write(Entry entry) throws IOException {
        Files.createDirectories(Objects.requireNonNull(file.toAbsolutePath().getParent(), "the config file has a directory"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        try {
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("another nixfront login is writing " + file, e);
        }
        Properties properties = new Properties();
        properties.setProperty("server", entry.server());
        properties.setProperty("token", entry.token());
        try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
            properties.store(out, "nixfront login: the token is a secret, keep this file 0600");
        }
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
