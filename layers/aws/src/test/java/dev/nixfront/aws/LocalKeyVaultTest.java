package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.nix.sign.SecretKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKeyVaultTest {
    private static final CacheName TEAM = CacheName.of("team");
    private static final SecretKey KEY = SecretKey.generate("team-1", new SecureRandom());

    @TempDir
    Path dir;

    @Test
    void sealsAndOpensWithAMasterKeyFileCreatedOwnerOnly() throws Exception {
        Path file = dir.resolve("state/master.key");
        LocalKeyVault vault = new LocalKeyVault(file);

        byte[] sealed = vault.seal(TEAM, KEY);

        assertThat(Files.readAllBytes(file)).hasSize(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.list(file.getParent())).containsExactly(file);
        SecretKey opened = vault.open(TEAM, sealed);
        assertThat(opened.toNixFormat()).isEqualTo(KEY.toNixFormat());
        // A later process reads the same file.
        assertThat(new LocalKeyVault(file).open(TEAM, sealed).toNixFormat()).isEqualTo(KEY.toNixFormat());
    }

    @Test
    void theBlobHoldsNoPlainSecretAndStartsWithItsFormat() {
        LocalKeyVault vault = new LocalKeyVault(dir.resolve("master.key"));
        byte[] sealed = vault.seal(TEAM, KEY);

        assertThat(new String(sealed, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("NFL1");
        assertThat(sealed).hasSize(4 + 2 + "team-1".length() + 12 + 32 + 16);
        assertThat(indexOf(sealed, KEY.seed())).isNegative();
        assertThat(vault.seal(TEAM, KEY)).isNotEqualTo(sealed);
    }

    @Test
    void refusesAnotherCacheAnotherMasterKeyOrAlteredBytes() {
        LocalKeyVault vault = new LocalKeyVault(dir.resolve("master.key"));
        byte[] sealed = vault.seal(TEAM, KEY);

        assertThatThrownBy(() -> vault.open(CacheName.of("other"), sealed))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not open");
        assertThatThrownBy(() -> new LocalKeyVault(dir.resolve("other.key")).open(TEAM, sealed))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not open");
        for (int i = 4; i < sealed.length; i++) {
            byte[] altered = sealed.clone();
            altered[i] ^= 0x01;
            assertThatThrownBy(() -> vault.open(TEAM, altered)).as("byte %d altered", i).isInstanceOf(IllegalStateException.class);
        }
        assertThatThrownBy(() -> vault.open(TEAM, Arrays.copyOf(sealed, 20)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("truncated");
    }

    @Test
    void refusesAMasterKeyFileOthersCanRead() throws Exception {
        Path file = dir.resolve("master.key");
        new LocalKeyVault(file).seal(TEAM, KEY);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> new LocalKeyVault(file).seal(TEAM, KEY))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("chmod 600");
    }

    @Test
    void refusesAMasterKeyFileOfTheWrongSize() throws Exception {
        Path file = dir.resolve("master.key");
        Files.write(file, new byte[16]);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        assertThatThrownBy(() -> new LocalKeyVault(file).seal(TEAM, KEY))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("16 bytes");
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
