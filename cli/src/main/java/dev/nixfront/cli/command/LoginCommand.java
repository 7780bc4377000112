package dev.nixfront.cli.command;

import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.client.ClientConfig;
import dev.nixfront.cli.client.NixfrontClient;
import java.io.IOException;
import java.net.URI;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "login", mixinStandardHelpOptions = true,
        description = {"Remember a server and token in ~/.config/nixfront/config (mode 0600), after checking the server accepts the token.",
                "NIXFRONT_SERVER and NIXFRONT_TOKEN, when set, win over what is stored."})
public final class LoginCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "SERVER", description = "The API URL, e.g. http://127.0.0.1:8470.")
    String server;

    @Override
    int run() throws IOException, InterruptedException, ApiException {
        String loginToken = serverOptions.token;
        if (loginToken == null || loginToken.isBlank()) {
            throw new IOException("give the token to store: nixfront login " + server + " --token TOKEN");
        }
        ClientConfig config;
        try {
            config = new ClientConfig(URI.create(server.strip()), loginToken.strip());
        } catch (IllegalArgumentException e) {
            throw new IOException("bad server URL " + server + ": " + e.getMessage(), e);
        }
        try {
            new NixfrontClient(config, http().forUri(config.server())).listCaches();
        } catch (ApiException e) {
            // A token scoped to one cache may not list caches; only an unknown token is wrong here.
            if (e.status() == 401) {
                throw e;
            }
        }
        ConfigFile file = serverOptions.configFile();
        file.write(new ConfigFile.Entry(config.server().toString(), config.token()));
        out().println("logged in to " + config.server() + " (stored in " + file.path() + ")");
        return 0;
    }
}
