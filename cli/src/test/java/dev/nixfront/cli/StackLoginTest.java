package dev.nixfront.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * {@code nixfront login --stack NAME} against CloudFormation and Secrets Manager played by
 * moto_server (Python moto 5.2.1, as in the local module's AWS-mode tests), and a stand-in API that
 * accepts only the admin token.
 */
class StackLoginTest {
    private static final String TOKEN = "generatedAdminToken0123456789abcdefghijklmnopqrstu";
    private static final String REGION = "eu-west-1";

    private static Process moto;
    private static URI motoEndpoint;
    private static HttpServer api;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        System.setProperty("aws.accessKeyId", "testing");
        System.setProperty("aws.secretAccessKey", "testing");
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        try {
            moto = new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            fail("this test needs moto_server (Python moto 5.2.1): pip install 'moto[server]==5.2.1' (" + e.getMessage() + ")");
        }
        motoEndpoint = URI.create("http://127.0.0.1:" + port);
        awaitReady();

        api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        api.createContext("/v1/caches", exchange -> {
            boolean admin = ("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = (admin ? "{\"caches\":[]}" : "{\"error\":\"unauthorized\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(admin ? 200 : 401, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        api.start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (api != null) {
            api.stop(0);
        }
        if (moto != null) {
            moto.destroy();
            if (!moto.waitFor(10, TimeUnit.SECONDS)) {
                moto.destroyForcibly();
            }
        }
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    private static void awaitReady() throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(60);
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            while (true) {
                assertThat(moto.isAlive()).as("moto_server running").isTrue();
                try {
                    if (http.send(HttpRequest.newBuilder(motoEndpoint.resolve("/moto-api/config")).timeout(Duration.ofSeconds(2))
                            .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode() / 100 == 2) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                assertThat(Instant.now()).as("moto_server ready in time").isBefore(deadline);
                moto.waitFor(50, TimeUnit.MILLISECONDS); // the poll's pace; returns at once if moto dies
            }
        }
    }

    /** A stack with the outputs the infra module's main stack has, and its admin token secret. */
    private static void deploy(String stackName, String apiUrl) {
        try (var http = UrlConnectionHttpClient.create();
             var secrets = SecretsManagerClient.builder().httpClient(http).region(Region.of(REGION)).endpointOverride(motoEndpoint).build();
             var cfn = CloudFormationClient.builder().httpClient(http).region(Region.of(REGION)).endpointOverride(motoEndpoint).build()) {
            String arn = secrets.createSecret(r -> r.name(stackName + "AdminToken").secretString(TOKEN)).arn();
            String template = """
                    {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                     "Outputs": {"ApiUrl": {"Value": "%s"}, "AdminTokenSecretArn": {"Value": "%s"},
                                 "CacheUrl": {"Value": "https://d111111abcdef8.cloudfront.net"}}}
                    """.formatted(apiUrl, arn);
            cfn.createStack(r -> r.stackName(stackName).templateBody(template));
        }
    }

    private MainTest.Result login(String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "login";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--aws-endpoint-url";
        all[args.length + 2] = motoEndpoint.toString();
        all[args.length + 3] = "--config-home";
        all[args.length + 4] = dir.toString();
        return MainTest.nixfront(all);
    }

    @Test
    void theApiUrlComesFromTheStacksOutputsAndTheAdminTokenFromItsSecret() throws IOException {
        String apiUrl = "http://127.0.0.1:" + api.getAddress().getPort();
        deploy("NixfrontStackLogin", apiUrl);
        MainTest.Result result = login("--stack", "NixfrontStackLogin", "--region", REGION);
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(result.out()).contains("logged in to " + apiUrl);
        String stored = Files.readString(dir.resolve("nixfront/config"));
        assertThat(stored).contains("token=" + TOKEN, "127.0.0.1\\:" + api.getAddress().getPort());
    }

    @Test
    void aStackThatIsNotThereIsOneLineOfError() {
        assertThat(login("--stack", "NoSuchStack", "--region", REGION).errorLine(Main.FAILURE))
                .startsWith("nixfront: cannot read stack NoSuchStack with your AWS credentials:");
    }

    @Test
    void eitherAServerOrAStack() {
        assertThat(login().errorLine(Main.FAILURE)).contains("either the API URL", "--stack NAME");
    }
}
