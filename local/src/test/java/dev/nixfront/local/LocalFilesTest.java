package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.security.auth.module.UnixSystem;
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
        // Only root can give a directory away; elsewhere this case cannot be set up.
        assumeTrue(new UnixSystem().getUid() == 0, "needs root to make a directory owned by another user");
        Path dir = Files.createDirectory(parent.resolve("theirs"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        UserPrincipal nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(dir, nobody);

        assertThatThrownBy(() -> new LocalFiles(dir).create(out()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("belongs to another user")
                .hasMessageContaining("--dir");
        assertThat(mode(dir)).isEqualTo("rwxr-xr-x");
        assertThat(Files.getOwner(dir)).isEqualTo(nobody);
        assertThat(dir).isEmptyDirectory();
    }

    private PrintStream out() {
        return new PrintStream(notices, true, StandardCharsets.UTF_8);
    }

    private static String mode(Path dir) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(dir));
    }
}
