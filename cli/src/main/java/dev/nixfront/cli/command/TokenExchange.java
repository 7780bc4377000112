package dev.nixfront.cli.command;

import dev.nixfront.api.CreatedToken;
import dev.nixfront.api.InvalidJsonException;
import dev.nixfront.api.Json;
import dev.nixfront.api.OidcTokenRequest;
import dev.nixfront.api.TrustRequest;
import dev.nixfront.cli.client.ApiException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nixfront token exchange CACHE}: in a GitHub Actions job with {@code permissions: id-token:
 * write}, asks the runner for an ID token for the audience (GitHub's protocol: a GET of
 * {@code $ACTIONS_ID_TOKEN_REQUEST_URL&audience=AUD} with {@code $ACTIONS_ID_TOKEN_REQUEST_TOKEN} as
 * bearer, answering {@code {"value":"<JWT>"}}) and trades it at {@code POST /v1/oidc/token} for a
 * short-lived read and write token of the cache. Neither the ID token nor the request token is printed.
 */
@Command(name = "exchange", mixinStandardHelpOptions = true,
        description = {"Trade this GitHub Actions job's OpenID Connect ID token for a short-lived write token of CACHE",
                "(the cache must trust the job: nixfront trust add). Needs `permissions: id-token: write`.",
                "Prints the token, or with --github-env masks it and sets NIXFRONT_TOKEN for the job's later steps."})
final class TokenExchange extends ClientCommand {
    @Parameters(index = "0", paramLabel = "CACHE")
    String cache;

    @Option(names = "--audience", paramLabel = "AUD", description = "The audience to ask for (default: " + TrustRequest.DEFAULT_AUDIENCE + ").")
    String audience = TrustRequest.DEFAULT_AUDIENCE;

    @Option(names = "--request-url", hidden = true, defaultValue = "${env:ACTIONS_ID_TOKEN_REQUEST_URL}")
    String requestUrl;

    @Option(names = "--request-token", hidden = true, defaultValue = "${env:ACTIONS_ID_TOKEN_REQUEST_TOKEN}")
    String requestToken;

    @Option(names = "--github-env", description = "Append NIXFRONT_TOKEN=<token> to $GITHUB_ENV (after masking it) instead of printing it.")
    boolean githubEnv;

    @Option(names = "--github-env-file", hidden = true, defaultValue = "${env:GITHUB_ENV}")
    Path githubEnvFile;

    @Override
    int run() throws IOException, InterruptedException, ApiException {
        if (requestUrl == null || requestUrl.isBlank() || requestToken == null || requestToken.isBlank()) {
            throw new IOException("ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: run this in a GitHub"
                    + " Actions job with `permissions: id-token: write`");
        }
        CreatedToken token = anonymousClient().exchangeOidcToken(new OidcTokenRequest(cache, idToken()));
        if (githubEnv) {
            if (githubEnvFile == null) {
                throw new IOException("--github-env: GITHUB_ENV is not set");
            }
            // The workflow command masks the value in every later log line of the job.
            out().println("::add-mask::" + token.token());
            Files.writeString(githubEnvFile, "NIXFRONT_TOKEN=" + token.token() + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } else {
            out().println(token.token());
        }
        err().println("token " + token.info().id() + ": " + String.join(",", token.info().permissions()) + " on " + cache
                + ", expires " + token.info().expiresAt());
        return 0;
    }

    private String idToken() throws IOException, InterruptedException {
        String url = requestUrl.strip() + (requestUrl.contains("?") ? "&" : "?") + "audience="
                + URLEncoder.encode(audience, StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "bearer " + requestToken.strip()).header("Accept", "application/json").GET().build();
        HttpResponse<String> response = http().forUri(request.uri()).send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("the runner refused an ID token (HTTP " + response.statusCode() + "); does the job have"
                    + " `permissions: id-token: write`?");
        }
        try {
            Object value = Json.read(response.body(), Map.class).get("value");
            if (value instanceof String jwt && !jwt.isBlank()) {
                return jwt;
            }
        } catch (InvalidJsonException e) {
            // fall through
        }
        throw new IOException("the runner's answer holds no ID token (expected {\"value\":\"...\"})");
    }
}
