package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.cli.client.ClientConfig;
import dev.nixfront.cli.client.NixfrontClient;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `./nixfront local` promises across starts: secrets 0600, data and admin token kept, children stopped. */
class LocalStackRestartTest {
    @Test
    void secondStartKeepsCachesAndTokenAndStopLeavesNoChildProcess(@TempDir Path dir) throws Exception {
        String token;
        String publicKey;
        // A --dir made by hand with the umask's mode: the start closes it to other users.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (LocalStack first = LocalStack.start(new LocalStack.Options(dir, 0, 0));
             HttpClient http = HttpClient.newHttpClient()) {
            token = first.adminToken();
            assertThat(token).startsWith("nf_");
            publicKey = new NixfrontClient(new ClientConfig(first.apiUrl(), token), http)
                    .createCache(new CreateCacheRequest("kept", null, null, null)).publicKey();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
            for (String secret : List.of("local.env", "admin.token", "credentials.properties", "master.key")) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(secret)))).as(secret).isEqualTo("rw-------");
            }
            Properties env = new Properties();
            try (var in = Files.newBufferedReader(first.envFile())) {
                env.load(in);
            }
            assertThat(env.getProperty("NIXFRONT_SERVER")).isEqualTo(first.apiUrl().toString());
            assertThat(env.getProperty("NIXFRONT_TOKEN")).isEqualTo(token);
            assertThat(env.getProperty("NIXFRONT_CACHE_URL")).isEqualTo(first.cacheUrl().toString());
            assertThat(ProcessHandle.current().descendants().anyMatch(p -> isOurDynalite(p, dir))).isTrue();
            assertThatThrownBy(() -> LocalStack.start(new LocalStack.Options(dir, 0, 0)))
                    .isInstanceOf(IOException.class).hasMessageContaining("another nixfront local");
        }
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).anyMatch(p -> isOurDynalite(p, dir))).isFalse();

        try (LocalStack second = LocalStack.start(new LocalStack.Options(dir, 0, 0));
             HttpClient http = HttpClient.newHttpClient()) {
            assertThat(second.adminToken()).isEqualTo(token);
            var info = new NixfrontClient(new ClientConfig(second.apiUrl(), token), http).cacheInfo("kept");
            assertThat(info.publicKey()).isEqualTo(publicKey);
            assertThat(info.substituter()).isEqualTo(second.cacheUrl() + "/kept");
        }
    }

    // Other tests of this JVM run dynalite too: only the one on this stack's directory counts.
    private static boolean isOurDynalite(ProcessHandle process, Path dir) {
        String command = process.info().commandLine().orElse("");
        return command.contains("dynalite") && command.contains(dir.resolve("dynamodb").toString());
    }
}
