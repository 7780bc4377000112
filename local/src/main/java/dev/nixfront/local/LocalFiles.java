package dev.nixfront.local;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Properties;
import java.util.Set;

/**
 * The files of a local stack's directory (default {@code ./.nixfront}, 0700 and the user's own,
 * checked at every start):
 * <pre>
 * credentials.properties  0600  accessKeyId / secretAccessKey that s3proxy demands (SigV4), made on first start
 * master.key              0600  the AES key sealing cache signing keys (LocalKeyVault)
 * admin.token             0600  the bootstrap admin token; the table holds only its SHA-256
 * local.env               0600  NIXFRONT_SERVER=…, NIXFRONT_TOKEN=…, NIXFRONT_CACHE_URL=… for `set -a; . local.env`
 * s3/                           s3proxy's filesystem blob store (one directory per bucket)
 * dynamodb/                     dynalite's LevelDB files
 * </pre>
 */
final class LocalFiles {
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private final Path directory;

    LocalFiles(Path directory) {
        this.directory = directory.toAbsolutePath().normalize();
    }

    Path directory() {
        return directory;
    }

    Path s3() {
        return directory.resolve("s3");
    }

    Path dynamoDb() {
        return directory.resolve("dynamodb");
    }

    Path masterKey() {
        return directory.resolve("master.key");
    }

    Path adminToken() {
        return directory.resolve("admin.token");
    }

    Path env() {
        return directory.resolve("local.env");
    }

    Path lock() {
        return directory.resolve(".lock");
    }

    /**
     * Makes the directory (0700) or, when it exists, makes sure it is this user's and closed to
     * everyone else: owned by another user, it is refused (that user could read the keys and the
     * token, and swap the files); open to others (a {@code --dir} made by hand, with the umask's
     * 0755), it is set to 0700, said on {@code notices}. dynalite's LevelDB files and the other
     * files under it are made with the umask's modes and so are only private behind it.
     */
    void create(PrintStream notices) throws IOException {
        create(notices, new UnixSystem().getUid());
    }

    /** As {@link #create(PrintStream)}, as the user {@code user} (tests play another user without root). */
    void create(PrintStream notices, long user) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
        }
        long owner = ((Number) Files.getAttribute(directory, "unix:uid")).longValue();
        if (owner != user) {
            throw new IOException(directory + " belongs to another user (uid " + owner + "; this is uid " + user
                    + "): refusing to keep this stack's keys, admin token and data there; choose a directory of your own with --dir");
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory);
        if (!OWNER_ONLY_DIR.containsAll(permissions)) {
            Files.setPosixFilePermissions(directory, OWNER_ONLY_DIR);
            notices.println("nixfront local: " + directory + " was " + PosixFilePermissions.toString(permissions)
                    + ", open to other users; set it to " + PosixFilePermissions.toString(OWNER_ONLY_DIR));
        }
    }

    record Credentials(String accessKeyId, String secretAccessKey) {
        @Override
        public String toString() {
            return "Credentials[accessKeyId=" + accessKeyId + ", secretAccessKey=<redacted>]";
        }
    }

    /** The stand-ins' credentials, generated on the first start and the same on every later one. */
    Credentials credentials(SecureRandom random) throws IOException {
        Path file = directory.resolve("credentials.properties");
        Properties properties = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(in);
            }
        } else {
            properties.setProperty("accessKeyId", "LOCAL" + hex(random, 8).toUpperCase(java.util.Locale.ROOT));
            properties.setProperty("secretAccessKey", hex(random, 24));
            writeSecret(file, out -> properties.store(out, "s3proxy credentials of this local nixfront stack"));
        }
        return new Credentials(properties.getProperty("accessKeyId"), properties.getProperty("secretAccessKey"));
    }

    interface Content {
        void write(Writer out) throws IOException;
    }

    /** Writes a file readable by its owner only from the moment it exists, replacing it atomically. */
    static void writeSecret(Path file, Content content) throws IOException {
        Path temporary = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(temporary);
        Files.createFile(temporary, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
            content.write(out);
        }
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static String hex(SecureRandom random, int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
