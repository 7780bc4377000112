package dev.nixfront.cli.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.nixfront.api.ApiRoute;
import dev.nixfront.api.CompleteUploadRequest;
import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.CreateTokenRequest;
import dev.nixfront.api.IndexMigrationRequest;
import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.MissingResponse;
import dev.nixfront.api.PartsRequest;
import dev.nixfront.api.PinRequest;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.RootsRequest;
import dev.nixfront.api.UpdateCacheRequest;
import dev.nixfront.api.UploadRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NixfrontClientTest {
    private final HttpClients clients = new HttpClients();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        clients.close();
    }

    private NixfrontClient client(URI uri) {
        return new NixfrontClient(new ClientConfig(uri, "nf_test"), clients.forUri(uri));
    }

    /** A server on 127.0.0.1 answering every request with this status and body; records the bodies it got. */
    private URI serve(int status, String body, List<String> received) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            received.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void aRefusedConnectionIsNamedNotNull() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        URI uri = URI.create("http://127.0.0.1:" + port);

        assertThatThrownBy(() -> client(uri).listCaches())
                .isInstanceOf(IOException.class)
                .hasMessage("cannot reach " + uri + ": connection refused");
    }

    @Test
    void theCauseIsNamedWhateverTheClientThrows() {
        assertThat(NixfrontClient.describe(chain(new ConnectException(), new ConnectException(), new ClosedChannelException())))
                .isEqualTo("connection refused");
        assertThat(NixfrontClient.describe(chain(new ConnectException(), new ConnectException(), new UnresolvedAddressException())))
                .isEqualTo("unknown host");
        assertThat(NixfrontClient.describe(chain(new IOException(), new IOException("Connection reset")))).isEqualTo("Connection reset");
        assertThat(NixfrontClient.describe(new ClosedChannelException())).isEqualTo("closed channel");
        assertThat(NixfrontClient.describe(new java.net.http.HttpConnectTimeoutException(""))).isEqualTo("connection timed out");
    }

    private static IOException chain(IOException top, Exception... causes) {
        Throwable last = top;
        for (Exception cause : causes) {
            last.initCause(cause);
            last = cause;
        }
        return top;
    }

    /** Every client call goes to a declared route, its parameters percent-encoded as one segment each. */
    @Test
    void everyCallRequestsItsDeclaredRoute() throws Exception {
        List<String> requests = new ArrayList<>();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            URI uri = exchange.getRequestURI();
            requests.add(exchange.getRequestMethod() + " " + uri.getRawPath()
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        NixfrontClient client = client(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));

        client.listCaches();
        client.cacheInfo("a b");
        client.createCache(new CreateCacheRequest("team", null, null, null));
        client.updateCache("team", new UpdateCacheRequest(true, null));
        client.deleteCache("team");
        client.missing("team", new MissingRequest(List.of()));
        client.pathStatus("team", "x/y");
        client.uploads("team", new UploadRequest(List.of()));
        client.parts("team", new PartsRequest(null, 0, null, null, 1, 1));
        client.complete("team", new CompleteUploadRequest(null, 0, null, null, List.of()));
        client.publish("team", new PublishRequest(List.of()));
        client.createToken(new CreateTokenRequest(null, List.of(), List.of(), null));
        client.listTokens("a b");
        client.revokeToken("tk_1");
        client.migrateIndex(new IndexMigrationRequest(null));
        client.recordRoots("team", new RootsRequest(List.of()));
        client.putPin("team", "a/b", new PinRequest("/nix/store/x", null));
        client.listPins("team");
        client.deletePin("team", "release");
        client.collectGarbage("team", new dev.nixfront.api.GcRequest(true));
        client.removePaths("team", new dev.nixfront.api.RemovePathsRequest(List.of("/nix/store/x"), null, null));
        client.collectionStatus("team");
        client.addTrust("team", new dev.nixfront.api.TrustRequest(null, "repo:a/b:ref:refs/heads/main", null, null));
        client.listTrusts("team");
        client.removeTrust("team", "tr_1");
        client.exchangeOidcToken(new dev.nixfront.api.OidcTokenRequest("team", "a.b.c"));
        client.logUploads("team", new dev.nixfront.api.LogsRequest(List.of()));
        client.publishLogs("team", new dev.nixfront.api.LogsRequest(List.of()));

        assertThat(requests).contains("GET /v1/caches/a%20b", "PATCH /v1/caches/team", "GET /v1/caches/team/paths/x%2Fy",
                "GET /v1/tokens?cache=a%20b", "PUT /v1/caches/team/pins/a%2Fb");
        Set<ApiRoute> reached = EnumSet.noneOf(ApiRoute.class);
        for (String request : requests) {
            String method = request.substring(0, request.indexOf(' '));
            String path = request.substring(request.indexOf(' ') + 1).replaceFirst("\\?.*", "");
            reached.add(ApiRoute.match(method, path, List.of(ApiRoute.values())).orElseThrow().route());
        }
        assertThat(reached).as("a route the client cannot call").containsExactlyInAnyOrder(ApiRoute.values());
    }

    @Test
    void listsEveryPageOfPins() throws Exception {
        List<String> queries = new ArrayList<>();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String query = exchange.getRequestURI().getRawQuery();
            queries.add(String.valueOf(query));
            String body = query == null
                    ? "{\"pins\":[{\"name\":\"a b\",\"keepRevisions\":1,\"revisions\":[]}],\"next\":\"a b\"}"
                    : "{\"pins\":[{\"name\":\"c\",\"keepRevisions\":2,\"revisions\":[]}]}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();

        var pins = client(URI.create("http://127.0.0.1:" + server.getAddress().getPort())).listPins("team");

        assertThat(pins.pins()).extracting(p -> p.name()).containsExactly("a b", "c");
        assertThat(pins.next()).isNull();
        assertThat(queries).containsExactly("null", "after=a%20b");
    }

    /** A newer server may add properties; the CLI must still read the answer, and its requests carry only what the server knows. */
    @Test
    void readsAnswersWithPropertiesItDoesNotKnow() throws Exception {
        List<String> received = new ArrayList<>();
        URI uri = serve(200, "{\"missing\":[\"0123456789abcdfghijklmnpqrsvwxyz\"],\"nextPage\":null,\"stats\":{\"looked\":1}}", received);

        MissingResponse answer = client(uri).missing("team", new MissingRequest(List.of("0123456789abcdfghijklmnpqrsvwxyz")));

        assertThat(answer.missing()).containsExactly("0123456789abcdfghijklmnpqrsvwxyz");
        assertThat(received).containsExactly("{\"storeHashes\":[\"0123456789abcdfghijklmnpqrsvwxyz\"]}");
    }

    @Test
    void anErrorAnswerIsReadWithItsField() throws Exception {
        URI uri = serve(400, "{\"error\":\"invalid\",\"field\":\"paths[2].narSize\",\"reason\":\"expected a whole number, got 1.5\"}",
                new ArrayList<>());

        assertThatThrownBy(() -> client(uri).listCaches())
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.error().field()).isEqualTo("paths[2].narSize");
                    assertThat(e.getMessage()).isEqualTo("HTTP 400: expected a whole number, got 1.5 (paths[2].narSize)");
                });
    }

    @Test
    void anAnswerThatIsNotTheContractIsAnErrorNamingTheField() throws Exception {
        URI uri = serve(200, "{\"caches\":[{\"name\":5}]}", new ArrayList<>());

        assertThatThrownBy(() -> client(uri).listCaches())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("caches[0].name");
    }
}
