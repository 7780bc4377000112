package dev.nixfront.cli.command;

import dev.nixfront.cli.aws.StackLogin;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.client.ClientConfig;
import dev.nixfront.cli.client.NixfrontClient;
import java.io.IOException;
import java.net.URI;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "login", mixinStandardHelpOptions = true,
        description = {"Remember a server and token in ~/.config/nixfront/config (mode 0600), after checking the server accepts the token.",
                "NIXFRONT_SERVER and NIXFRONT_TOKEN, when set, win over what is stored.",
                "With --stack NAME instead of SERVER, the API URL and the admin token come from the deployed stack "
                        + "(its ApiUrl output and its admin token secret), read with your AWS credentials."})
public final class LoginCommand extends ClientCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "SERVER", description = "The API URL, e.g. http://127.0.0.1:8470.")
    String server;

    @Option(names = "--stack", paramLabel = "NAME",
            description = "Log in as admin to the nixfront deployed as this CloudFormation stack (Nixfront unless "
                    + "deployed with another nixfront:stackName), using your AWS credentials.")
    String stack;

    @Option(names = "--region", paramLabel = "REGION",
            description = "The stack's region (default: AWS_REGION, else your AWS profile's region).")
    String region;

    @Option(names = "--aws-endpoint-url", hidden = true, paramLabel = "URL",
            description = "Another endpoint for CloudFormation and Secrets Manager (tests).")
    URI awsEndpoint;

    @Override
    int run() throws IOException, InterruptedException, ApiException {
        String loginToken = serverOptions.token;
        if ((stack == null) == (server == null)) {
            throw new IOException("give either the API URL (nixfront login SERVER) or the stack (nixfront login --stack NAME)");
        }
        if (stack != null) {
            StackLogin.Login login = StackLogin.read(stack.strip(), region, awsEndpoint);
            server = login.server();
            // A token given explicitly (--token, NIXFRONT_TOKEN) wins, as everywhere; else the admin token.
            if (loginToken == null || loginToken.isBlank()) {
                loginToken = login.token();
            }
        }
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
