package dev.nixfront.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveFingerprintTest {
    @TempDir
    Path dir;

    @Test
    void aRebuildWithNewTimestampsKeepsTheHashSoNothingIsRedeployed() throws IOException {
        Path first = layer("first.zip", 1_000_000_000_000L, "class A {}");
        Path second = layer("second.zip", 1_700_000_000_000L, "class A {}");
        assertThat(Files.readAllBytes(first)).isNotEqualTo(Files.readAllBytes(second));
        assertThat(ArchiveFingerprint.of(first)).isEqualTo(ArchiveFingerprint.of(second)).hasSize(64);
    }

    @Test
    void changedCodeInsideANestedJarChangesTheHash() throws IOException {
        Path before = layer("before.zip", 1_000_000_000_000L, "class A {}");
        Path after = layer("after.zip", 1_000_000_000_000L, "class A { int x; }");
        assertThat(ArchiveFingerprint.of(before)).isNotEqualTo(ArchiveFingerprint.of(after));
    }

    @Test
    void unzippedSizeCountsEveryEntry() throws IOException {
        Path jar = zip(dir.resolve("a.jar"), 0L, Map.of("a.txt", bytes("hello"), "b/c.txt", bytes("world!")));
        assertThat(ArchiveFingerprint.unzippedSize(jar)).isEqualTo(11);
    }

    @Test
    void aMissingArtifactSaysHowToBuildIt() {
        assertThatThrownBy(() -> ArchiveFingerprint.of(dir.resolve("nixfront-functions.jar")))
                .hasMessageContaining("missing build artifact")
                .hasMessageContaining("./mvnw -B -pl infra -am package");
    }

    /** A layer zip with one nested jar, every entry stamped with {@code time}. */
    private Path layer(String name, long time, String source) throws IOException {
        Path jar = zip(dir.resolve(name + ".jar"), time, Map.of("A.class", bytes(source)));
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("java/lib/a.jar", Files.readAllBytes(jar));
        return zip(dir.resolve(name), time, entries);
    }

    private static Path zip(Path file, long time, Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(buffer)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                entry.setLastModifiedTime(FileTime.fromMillis(time));
                out.putNextEntry(entry);
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return Files.write(file, buffer.toByteArray());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
