package dev.nixfront.cli.command;

import dev.nixfront.cli.CliException;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.sign.KeyNames;
import dev.nixfront.nix.sign.SecretKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.Objects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "key", mixinStandardHelpOptions = true,
        description = "Ed25519 signing keys in Nix's key file format.",
        subcommands = KeyCommand.Generate.class)
public final class KeyCommand {

    @Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Generate a key pair for signing a binary cache, in Nix's key file format.",
                "As nix-store --generate-binary-cache-key does, writes the secret key file (mode 0600) with "
                        + "NAME:base64(seed and public key) and the public key file with NAME:base64(public key), "
                        + "neither with a trailing newline. Prints the public key: the value Nix machines add to "
                        + "trusted-public-keys.",
            })
    public static final class Generate implements Callable<Integer> {
        private static final Set<PosixFilePermission> SECRET = PosixFilePermissions.fromString("rw-------");
        private static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");

        @Parameters(index = "0", paramLabel = "NAME",
                description = "The key's name, by convention the cache's host name and a generation: cache.example.org-1.")
        String name;

        @Option(names = "--secret-key-file", required = true, paramLabel = "FILE", description = "Where to write the secret key.")
        Path secretKeyFile;

        @Option(names = "--public-key-file", required = true, paramLabel = "FILE", description = "Where to write the public key.")
        Path publicKeyFile;

        @Option(names = "--force", description = "Replace the files if they exist.")
        boolean force;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            try {
                KeyNames.check(name);
            } catch (NixFormatException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            if (secretKeyFile.toAbsolutePath().normalize().equals(publicKeyFile.toAbsolutePath().normalize())) {
                throw new ParameterException(spec.commandLine(), "--secret-key-file and --public-key-file must be different files");
            }
            if (!force) {
                refuseExisting(secretKeyFile);
                refuseExisting(publicKeyFile);
            }
            SecretKey key = SecretKey.generate(name, new SecureRandom());
            writePair(key.toNixFormat(), key.publicKey().toString());
            spec.commandLine().getOut().println(key.publicKey());
            return 0;
        }

        private static void refuseExisting(Path file) {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new CliException("refusing to overwrite " + file + ": it exists (use --force to replace it)");
            }
        }

        /**
         * Writes both keys to temporary siblings first and then renames them into place, so that no
         * file is ever half-written, a failure leaves no secret key without its public key, and a
         * replaced secret key never has a looser mode than 0600.
         */
        private void writePair(String secret, String publicKey) {
            Path secretTemporary = null;
            Path publicTemporary = null;
            try {
                secretTemporary = temporary(secretKeyFile, secret, SECRET);
                publicTemporary = temporary(publicKeyFile, publicKey, PUBLIC);
                place(secretTemporary, secretKeyFile);
                try {
                    place(publicTemporary, publicKeyFile);
                } catch (CliException e) {
                    if (!force) {
                        deleteQuietly(secretKeyFile);
                    }
                    throw e;
                }
            } finally {
                deleteQuietly(secretTemporary);
                deleteQuietly(publicTemporary);
            }
        }

        private static Path temporary(Path file, String content, Set<PosixFilePermission> mode) {
            Path dir = Objects.requireNonNull(file.toAbsolutePath().getParent(), "the key file has a directory");
            try {
                Path temporary = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp",
                        PosixFilePermissions.asFileAttribute(SECRET));
                Files.writeString(temporary, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
                Files.setPosixFilePermissions(temporary, mode);
                return temporary;
            } catch (IOException | UnsupportedOperationException e) {
                throw failure(file, e);
            }
        }

        private void place(Path temporary, Path file) {
            try {
                if (force) {
                    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } else {
                    Files.move(temporary, file);
                }
            } catch (IOException e) {
                throw failure(file, e);
            }
        }

        private static CliException failure(Path file, Exception e) {
            String why = switch (e) {
                case FileAlreadyExistsException x -> "it exists (use --force to replace it)";
                case NoSuchFileException x -> "its directory does not exist";
                case AccessDeniedException x -> "permission denied";
                case UnsupportedOperationException x -> "its file system has no Unix permissions to keep a key private";
                default -> e.getMessage();
            };
            String verb = e instanceof FileAlreadyExistsException ? "refusing to overwrite " : "cannot write ";
            return new CliException(verb + file + ": " + why, e);
        }

        private static void deleteQuietly(Path file) {
            if (file == null) {
                return;
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // The error being reported matters more than the leftover file.
            }
        }
    }
}
