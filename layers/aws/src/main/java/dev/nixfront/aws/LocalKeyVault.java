package dev.nixfront.aws;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.KeyVault;
import dev.nixfront.nix.sign.SecretKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;

/**
 * The local stand-in for {@link KmsKeyVault}: cache signing keys sealed with AES-256-GCM under a
 * 32-byte master key kept in a file readable by its owner only ({@code DIR/master.key}, mode 0600),
 * created with fresh random bytes on first use. Same blob layout as KMS (magic {@code NFL1}, no
 * wrapped key); see {@link SealedKeyFormat}. No AWS types: it lives here beside its AWS twin.
 */
public final class LocalKeyVault implements KeyVault {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path masterKeyFile;
    private final SecureRandom random;
    private byte[] masterKey;

    public LocalKeyVault(Path masterKeyFile) {
        this(masterKeyFile, new SecureRandom());
    }

    LocalKeyVault(Path masterKeyFile, SecureRandom random) {
        this.masterKeyFile = Objects.requireNonNull(masterKeyFile, "masterKeyFile");
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public byte[] seal(CacheName cache, SecretKey key) {
        byte[] seed = key.seed();
        try {
            return SealedKeyFormat.seal(SealedKeyFormat.LOCAL_MAGIC, key.name(), null, masterKey(), cache, seed, random);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    @Override
    public SecretKey open(CacheName cache, byte[] sealed) {
        SealedKeyFormat.Parts parts = SealedKeyFormat.parse(SealedKeyFormat.LOCAL_MAGIC, false, sealed);
        return SealedKeyFormat.open(parts, masterKey(), cache);
    }

    private synchronized byte[] masterKey() {
        if (masterKey == null) {
            try {
                masterKey = Files.exists(masterKeyFile) ? read() : createOrRead();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot use the master key file " + masterKeyFile, e);
            }
        }
        return masterKey;
    }

    /**
     * Writes the key to a private temporary file, then hard-links it into place: the link fails if
     * another process created the file first (we then use theirs), and no reader can ever see a
     * half-written key.
     */
    private byte[] createOrRead() throws IOException {
        Path directory = directory();
        Files.createDirectories(directory);
        byte[] key = new byte[SealedKeyFormat.KEY_BYTES];
        random.nextBytes(key);
        Path temporary = posix()
                ? Files.createTempFile(directory, ".master.key", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                : Files.createTempFile(directory, ".master.key", ".tmp", new FileAttribute<?>[0]);
        try {
            Files.write(temporary, key);
            try {
                Files.createLink(masterKeyFile, temporary);
            } catch (FileAlreadyExistsException e) {
                return read();
            }
            return key;
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private byte[] read() throws IOException {
        if (posix()) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(masterKeyFile);
            if (!OWNER_ONLY.containsAll(permissions)) {
                throw new IllegalStateException("the master key file " + masterKeyFile + " is readable by others ("
                        + PosixFilePermissions.toString(permissions) + "): run chmod 600 on it");
            }
        }
        byte[] key = Files.readAllBytes(masterKeyFile);
        if (key.length != SealedKeyFormat.KEY_BYTES) {
            throw new IllegalStateException("the master key file " + masterKeyFile + " has " + key.length
                    + " bytes, expected " + SealedKeyFormat.KEY_BYTES);
        }
        return key;
    }

    /** The directory of the master key file: an absolute file path always has a parent. */
    private Path directory() {
        return Objects.requireNonNull(masterKeyFile.toAbsolutePath().getParent(), "the master key file has a directory");
    }

    private boolean posix() {
        return directory().getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
