package dev.nixfront.cli.aws;

import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * What {@code nixfront login --stack NAME} needs from a deployed stack, read with the user's own AWS
 * credentials and region (the SDK's default chains: environment, profile, SSO, ...): the API URL from
 * the stack's {@value #API_URL_OUTPUT} output and the admin token from the secret its
 * {@value #ADMIN_TOKEN_SECRET_OUTPUT} output names. The token never passes through a command line.
 */
public final class StackLogin {
    /** The outputs of the infra module's main stack this reads (see {@code NixfrontStack}). */
    public static final String API_URL_OUTPUT = "ApiUrl";
    public static final String ADMIN_TOKEN_SECRET_OUTPUT = "AdminTokenSecretArn";

    /** The API URL and the admin token of one deployment. */
    public record Login(String server, String token) {
        @Override
        public String toString() {
            return "Login[server=" + server + ", token=<hidden>]";
        }
    }

    private StackLogin() {
    }

    /**
     * The admin token goes to this URL next, so it must be https (a stack's API always is); only a
     * loopback host may be plain http (a stand-in on this machine). Found by an outside review: a
     * stack output naming any http server received the admin token in cleartext.
     */
    static void requireSafeApiUrl(String server, String stackName) throws IOException {
        URI uri;
        try {
            uri = new URI(server.strip());
        } catch (java.net.URISyntaxException e) {
            throw new IOException("stack " + stackName + " gives no valid " + API_URL_OUTPUT + ": " + server, e);
        }
        String host = uri.getHost() == null ? "" : uri.getHost();
        boolean loopback = host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]") || host.equals("::1");
        if (!"https".equalsIgnoreCase(uri.getScheme()) && !("http".equalsIgnoreCase(uri.getScheme()) && loopback)) {
            throw new IOException("stack " + stackName + "'s " + API_URL_OUTPUT + " is not an https URL (" + server
                    + "); the admin token is not sent there");
        }
    }

    /**
     * @param stackName the main stack's name ({@code Nixfront} unless deployed with another
     *                  {@code nixfront:stackName})
     * @param region    its region, or null for the SDK's default (AWS_REGION, the profile's region)
     * @param endpoint  an endpoint for both services instead of AWS's (tests), or null
     */
    public static Login read(String stackName, String region, URI endpoint) throws IOException {
        try (SdkHttpClient http = UrlConnectionHttpClient.create();
             CloudFormationClient cloudFormation = cloudFormation(http, region, endpoint);
             SecretsManagerClient secrets = secrets(http, region, endpoint)) {
            Stack stack = cloudFormation.describeStacks(r -> r.stackName(stackName)).stacks().stream().findFirst()
                    .orElseThrow(() -> new IOException("no stack " + stackName));
            Map<String, String> outputs = stack.outputs().stream()
                    .collect(Collectors.toMap(Output::outputKey, Output::outputValue, (a, b) -> a));
            String server = required(outputs, API_URL_OUTPUT, stackName);
            requireSafeApiUrl(server, stackName);
            String secretId = required(outputs, ADMIN_TOKEN_SECRET_OUTPUT, stackName);
            String token = secrets.getSecretValue(r -> r.secretId(secretId)).secretString();
            if (token == null || token.isBlank()) {
                throw new IOException("the admin token secret " + secretId + " of stack " + stackName + " holds no text");
            }
            return new Login(server, token.strip());
        } catch (SdkException e) {
            throw new IOException("cannot read stack " + stackName + " with your AWS credentials: " + e.getMessage(), e);
        }
    }

    private static String required(Map<String, String> outputs, String key, String stackName) throws IOException {
        String value = outputs.get(key);
        if (value == null || value.isBlank()) {
            throw new IOException("stack " + stackName + " has no output " + key + ": is it a nixfront stack, and "
                    + "finished deploying? (outputs: " + String.join(", ", outputs.keySet()) + ")");
        }
        return value;
    }

    private static CloudFormationClient cloudFormation(SdkHttpClient http, String region, URI endpoint) {
        var builder = CloudFormationClient.builder().httpClient(http);
        if (region != null) {
            builder.region(Region.of(region));
        }
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    private static SecretsManagerClient secrets(SdkHttpClient http, String region, URI endpoint) {
        var builder = SecretsManagerClient.builder().httpClient(http);
        if (region != null) {
            builder.region(Region.of(region));
        }
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }
}
