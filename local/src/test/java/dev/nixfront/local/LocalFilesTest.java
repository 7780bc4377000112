package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stack's directory is the user's own and closed to everyone else at every start, not only the first. */
class LocalFilesTest {
    @TempDir
    Path parent;

    private final ByteArrayOutputStream notices = new ByteArrayOutputStream();

    @Test
    void aNewDirectoryIsMadeOwnerOnlyWithoutANotice() throws IOException {
        Path dir = parent.resolve("a/b/.nixfront");
        new LocalFiles(dir).create(out());
        assertThat(mode(dir)).isEqualTo("rwx------");
        assertThat(notices.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void anExistingDirectoryOpenToOthersIsClosedAndSaidSo() throws IOException {
        Path dir = Files.createDirectory(parent.resolve("by-hand"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxr-x"));
        Files.writeString(dir.resolve("dynamodb-file"), "x");

        new LocalFiles(dir).create(out());

        assertThat(mode(dir)).isEqualTo("rwx------");
        assertThat(notices.toString(StandardCharsets.UTF_8))
                .contains(dir.toString()).contains("was rwxrwxr-x").contains("set it to rwx------");
        assertThat(dir.resolve("dynamodb-file")).hasContent("x");

        notices.reset();
        new LocalFiles(dir).create(out());
        assertThat(notices.toString(StandardCharsets.UTF_8)).as("nothing to say the second time").isEmpty();
    }

    @Test
    void aDirectoryOwnerOnlyButNarrowerIsLeftAsItIs() throws IOException {
        Path dir = Files.createDirectory(parent.resolve("narrow"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        new LocalFiles(dir).create(out());
        assertThat(mode(dir)).isEqualTo("rwx------");
        assertThat(notices.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aDirectoryOfAnotherUserIsRefusedAndLeftAlone() throws IOException {
        Path dir = Files.createDirectory(parent.resolve("theirs"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        UserPrincipal owner = Files.getOwner(dir);
        long someoneElse = ((Number) Files.getAttribute(dir, "unix:uid")).longValue() + 1;

        // Run as another user than the directory's owner: what a directory given away looks like,
        // without needing root to give one away.
        assertThatThrownBy(() -> new LocalFiles(dir).create(out(), someoneElse))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("belongs to another user")
                .hasMessageContaining("--dir");
        assertThat(mode(dir)).isEqualTo("rwxr-xr-x");
        assertThat(Files.getOwner(dir)).isEqualTo(owner);
        assertThat(dir).isEmptyDirectory();
    }

    private PrintStream out() {
        return new PrintStream(notices, true, StandardCharsets.UTF_8);
    }

    private static String mode(Path dir) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(dir));
    }
}
