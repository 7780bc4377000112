package dev.nixfront.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
    @Test
    void storesServerAndTokenReadableByTheOwnerOnly(@TempDir Path home) throws IOException {
        ConfigFile file = ConfigFile.in(home);
        assertThat(file.read()).isEmpty();
        file.write(new ConfigFile.Entry("http://127.0.0.1:8470", "nf_secret"));
        file.write(new ConfigFile.Entry("http://127.0.0.1:9000", "nf_other"));
        assertThat(file.read()).contains(new ConfigFile.Entry("http://127.0.0.1:9000", "nf_other"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path()))).isEqualTo("rw-------");
        assertThat(file.path()).isEqualTo(home.resolve("nixfront/config"));
    }
}
