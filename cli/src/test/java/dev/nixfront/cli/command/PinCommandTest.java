package dev.nixfront.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PinCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    /** Without a server: each of these is refused before any request. */
    private static Run nixfront(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void aPathNamesItsStorePathAndALinkIsFollowed() throws Exception {
        assertThat(PinCommand.storePath("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-site-2"))
                .isEqualTo("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-site-2");
        assertThat(PinCommand.storePath("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-site-2/bin/site"))
                .as("a file inside a store path names the store path, as for Nix")
                .isEqualTo("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-site-2");

        Path file = Files.writeString(dir.resolve("file"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("result"), file);
        assertThatThrownBy(() -> PinCommand.storePath(link.toString())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be a store path or a link to one").hasMessageContaining(file.toRealPath().toString());
        assertThatThrownBy(() -> PinCommand.storePath(dir.resolve("nothing").toString())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void aPinNamedLikeASubcommandNeedsDashesAndSaysSo() {
        Run list = nixfront("pin", "team", "list", "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-site-2");
        assertThat(list.code()).isEqualTo(Main.USAGE);
        assertThat(list.err()).contains("to pin a path under the name 'list', put '--' before the name: nixfront pin team -- list PATH");

        Run rm = nixfront("pin", "team", "rm", "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-site-2");
        assertThat(rm.code()).isEqualTo(Main.USAGE);
        assertThat(rm.err()).contains("nixfront pin team -- rm PATH");
        assertThat(list.out() + rm.out()).isEmpty();
    }

    @Test
    void incompleteCommandLinesAreUsageErrors() {
        Run none = nixfront("pin");
        assertThat(none.code()).isEqualTo(Main.USAGE);
        assertThat(none.err()).contains("give CACHE NAME PATH");
        Run twoOfThree = nixfront("pin", "team", "release");
        assertThat(twoOfThree.code()).isEqualTo(Main.USAGE);
        Run noName = nixfront("pin", "rm", "team");
        assertThat(noName.code()).isEqualTo(Main.USAGE);
        assertThat(noName.err()).contains("NAME");
        assertThat(nixfront("pin", "list").code()).isEqualTo(Main.USAGE);
    }
}
