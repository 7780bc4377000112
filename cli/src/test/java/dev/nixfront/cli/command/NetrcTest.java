package dev.nixfront.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetrcTest {
    private static final String HOST = "d1234abcd.cloudfront.net";

    @Test
    void aNewFileHoldsTheOneEntryReadableByItsOwnerOnly(@TempDir Path dir) throws IOException {
        Path netrc = dir.resolve("nix/netrc");
        Netrc.write(netrc, HOST, Netrc.line(HOST, "nf_one"));
        assertThat(Files.readString(netrc)).isEqualTo("machine d1234abcd.cloudfront.net login nixfront password nf_one\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(netrc))).isEqualTo("rw-------");
        try (var files = Files.list(dir.resolve("nix"))) {
            assertThat(files.toList()).as("no temporary file left").containsExactly(netrc);
        }
    }

    @Test
    void theSameHostsEntryIsReplacedInPlaceAndOtherMachinesKept(@TempDir Path dir) throws IOException {
        Path netrc = dir.resolve("netrc");
        Files.writeString(netrc, """
                machine github.com login me password ghp_x
                machine d1234abcd.cloudfront.net
                  login nixfront
                  password nf_old
                # a comment
                machine cache.example.org login nixfront password nf_other
                default login anonymous password me@example.org
                """);
        Files.setPosixFilePermissions(netrc, PosixFilePermissions.fromString("rw-r--r--"));
        Netrc.write(netrc, HOST, Netrc.line(HOST, "nf_new"));
        assertThat(Files.readAllLines(netrc)).containsExactly(
                "machine github.com login me password ghp_x",
                "machine d1234abcd.cloudfront.net login nixfront password nf_new",
                "machine cache.example.org login nixfront password nf_other",
                "default login anonymous password me@example.org");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(netrc))).isEqualTo("rw-------");

        Netrc.write(netrc, HOST, Netrc.line(HOST, "nf_newer"));
        assertThat(Files.readAllLines(netrc)).filteredOn(line -> line.contains(HOST))
                .containsExactly("machine d1234abcd.cloudfront.net login nixfront password nf_newer");
    }

    @Test
    void anotherHostIsAppended() {
        assertThat(Netrc.merge("machine github.com login me password ghp_x", HOST, Netrc.line(HOST, "nf_one")))
                .isEqualTo("machine github.com login me password ghp_x\nmachine d1234abcd.cloudfront.net login nixfront password nf_one\n");
        assertThat(Netrc.merge("machine 127.0.0.10 login a password b\n", "127.0.0.1", Netrc.line("127.0.0.1", "nf_one")))
                .as("a host name only matches whole").startsWith("machine 127.0.0.10 login a password b\n");
    }

    @Test
    void theNixConfLineIsAddedOnce(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("nix.conf");
        Path netrc = dir.resolve("netrc");
        Files.writeString(conf, "trusted-users = root\n");
        assertThat(Netrc.configured(conf)).isEmpty();
        assertThat(Netrc.ensureNetrcFile(conf, netrc)).isTrue();
        assertThat(Netrc.ensureNetrcFile(conf, netrc)).isFalse();
        assertThat(Files.readAllLines(conf)).isEqualTo(List.of("trusted-users = root", "# nixfront: read tokens of private caches",
                "netrc-file = " + netrc.toAbsolutePath()));
        assertThat(Netrc.configured(conf)).contains(netrc.toAbsolutePath());
    }

    @Test
    void aNetrcFileAlreadyNamedIsTheOneUsed(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("nix.conf");
        Files.writeString(conf, "netrc-file = /etc/nix/first\nnetrc-file=/run/secrets/netrc\n");
        assertThat(Netrc.configured(conf)).contains(Path.of("/run/secrets/netrc"));
        assertThat(Netrc.configured(dir.resolve("absent.conf"))).isEmpty();
    }

    @Test
    void theHostsPasswordIsFoundInAnyLayoutAndOnlyInItsOwnEntry(@TempDir Path dir) throws IOException {
        Path netrc = dir.resolve("netrc");
        assertThat(Netrc.password(netrc, HOST)).as("no file").isEmpty();
        Files.writeString(netrc, """
                machine github.com login me password ghp_x
                # machine d1234abcd.cloudfront.net login nixfront password nf_commented
                machine d1234abcd.cloudfront.net
                  login password
                  password nf_mine
                machine cache.example.org login nixfront password nf_other
                default login anonymous password me@example.org
                """);
        assertThat(Netrc.password(netrc, HOST)).as("a login named password is a value, not the keyword").contains("nf_mine");
        assertThat(Netrc.password(netrc, "cache.example.org")).contains("nf_other");
        assertThat(Netrc.password(netrc, "example.org")).as("the default entry is no machine's").isEmpty();
        Files.writeString(netrc, "machine d1234abcd.cloudfront.net login nixfront\n");
        assertThat(Netrc.password(netrc, HOST)).as("an entry without a password").isEmpty();
    }

    /**
     * Found by an outside review: a one-line file kept the host's old entry (curl then sends the old
     * token), and a new entry went after a {@code default} entry, which curl uses first.
     */
    @Test
    void aOneLineFileIsSplitAndANewEntryGoesBeforeDefault(@TempDir Path dir) throws IOException {
        Path netrc = dir.resolve("netrc");
        Files.writeString(netrc, "machine example.org login me password machine machine " + HOST + " login old password OLD\n");
        Netrc.write(netrc, HOST, Netrc.line(HOST, "nf_new"));
        assertThat(Files.readAllLines(netrc)).containsExactly("machine example.org login me password machine",
                "machine " + HOST + " login nixfront password nf_new");
        assertThat(Netrc.password(netrc, HOST)).contains("nf_new");
        assertThat(Netrc.password(netrc, "example.org")).contains("machine");

        Files.writeString(netrc, "default login anonymous password me@example.org\n");
        Netrc.write(netrc, HOST, Netrc.line(HOST, "nf_new"));
        assertThat(Files.readAllLines(netrc)).containsExactly("machine " + HOST + " login nixfront password nf_new",
                "default login anonymous password me@example.org");
    }
}
