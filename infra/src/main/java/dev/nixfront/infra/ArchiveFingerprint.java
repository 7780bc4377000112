package dev.nixfront.infra;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A hash of what a zip or jar contains (entry names and bytes, nested jars opened too), blind to the
 * timestamps a rebuild writes into them. Used as the CDK asset hash of the layer and the functions jar,
 * so rebuilding unchanged code neither uploads a new asset nor publishes a new layer or function
 * version (each of which would cost a fresh SnapStart snapshot on deploy).
 */
public final class ArchiveFingerprint {
    private ArchiveFingerprint() {
    }

    /** Hex SHA-256 of the archive's content; fails with the path in the message if it is missing. */
    public static String of(Path archive) {
        try (InputStream in = Files.newInputStream(archive)) {
            return HexFormat.of().formatHex(digest(in));
        } catch (NoSuchFileException e) {
            throw new IllegalStateException("missing build artifact " + archive.toAbsolutePath()
                    + ": build it first with ./mvnw -B -pl infra -am package -DskipTests", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + archive, e);
        }
    }

    /** Total uncompressed size of the archive's entries: what Lambda counts against its 250 MB. */
    public static long unzippedSize(Path archive) {
        long total = 0;
        try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(archive))) {
            byte[] buffer = new byte[1 << 16];
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                for (int n = zip.read(buffer); n >= 0; n = zip.read(buffer)) {
                    total += n;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + archive, e);
        }
        return total;
    }

    private static byte[] digest(InputStream archive) throws IOException {
        Map<String, byte[]> entries = new TreeMap<>();
        try (ZipInputStream zip = new ZipInputStream(archive)) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                if (entry.isDirectory()) {
                    continue;
                }
                byte[] content = zip.readAllBytes();
                entries.put(entry.getName(), entry.getName().endsWith(".jar")
                        ? digest(new ByteArrayInputStream(content))
                        : sha256().digest(content));
            }
        }
        MessageDigest all = sha256();
        entries.forEach((name, hash) -> {
            all.update(name.getBytes(StandardCharsets.UTF_8));
            all.update((byte) 0);
            all.update(hash);
        });
        return all.digest();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
