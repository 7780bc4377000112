package dev.nixfront.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.CacheInfo;
import dev.nixfront.api.Upstream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UseCommandTest {
    private static final CacheInfo INFO = new CacheInfo("team", "team-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=",
            "http://127.0.0.1:8471/team", 41, false, null);

    @Test
    void printsTheNixConfLines() {
        assertThat(UseCommand.lines(INFO)).containsExactly(
                "extra-substituters = http://127.0.0.1:8471/team",
                "extra-trusted-public-keys = team-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=");
    }

    @Test
    void theUpstreamsFollowTheCacheInOrder() {
        CacheInfo info = new CacheInfo("team", "team-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=", "http://127.0.0.1:8471/team", 41,
                false, null, "forever", null, "30d", List.of(Upstream.NIXOS, new Upstream("http://127.0.0.1:8471/up",
                "up-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=")), null);
        assertThat(UseCommand.lines(info)).containsExactly(
                "extra-substituters = http://127.0.0.1:8471/team https://cache.nixos.org http://127.0.0.1:8471/up",
                "extra-trusted-public-keys = team-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic= "
                        + "cache.nixos.org-1:6NCHdD59X431o0gWypbMrAURkbJ16ZPMQFGspcDShjY= up-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=");
    }

    @Test
    void writingTwiceAppendsOnce(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("nix/nix.conf");
        Files.createDirectories(conf.getParent());
        Files.writeString(conf, "max-jobs = 4");
        assertThat(UseCommand.append(conf, "# nixfront cache team", UseCommand.lines(INFO))).isTrue();
        assertThat(UseCommand.append(conf, "# nixfront cache team", UseCommand.lines(INFO))).isFalse();
        assertThat(Files.readAllLines(conf)).isEqualTo(List.of("max-jobs = 4", "# nixfront cache team",
                "extra-substituters = http://127.0.0.1:8471/team",
                "extra-trusted-public-keys = team-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic="));
    }
}
