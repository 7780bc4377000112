package dev.nixfront.aws;

import dev.nixfront.cache.UpstreamSettings;
import dev.nixfront.cache.port.UpstreamClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * Narinfo requests to upstream caches with the JDK's HTTP client, one per container: HTTP/2 where
 * the upstream speaks it (cache.nixos.org does, so a check's parallel requests share a connection),
 * no redirects followed (a redirect counts as not serving the path: following one would let an
 * upstream send the function anywhere), the connection and the whole request bounded by the
 * timeout, the body read up to a bound.
 *
 * <p>Unless private addresses are allowed, the host is resolved first and refused if any of its
 * addresses is loopback, link-local, private or reserved ({@link UpstreamSettings#isPublic}). The
 * client then resolves it again to connect, so a name whose DNS answer changes in between (DNS
 * rebinding) could still slip through once; it would reach an address of the function's own
 * network, which in Lambda outside a VPC holds nothing but the runtime API, and its answer is only
 * ever parsed as a narinfo and never returned to the caller.
 */
public final class HttpUpstreamClient implements UpstreamClient {
    private final HttpClient http;
    private final Executor resolver;

    public HttpUpstreamClient() {
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(3))
                .build();
        this.resolver = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "nixfront-upstream-resolver");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public CompletableFuture<Answer> get(URI url, boolean privateAddresses, Duration timeout, int maxBytes) {
        CompletableFuture<Void> allowed = privateAddresses ? CompletableFuture.completedFuture(null)
                : CompletableFuture.runAsync(() -> requirePublic(url.getHost()), resolver);
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).header("Accept", "text/x-nix-narinfo").GET().build();
        return allowed.thenCompose(ok -> http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream()))
                .thenApply(response -> answer(response, maxBytes));
    }

    private static void requirePublic(String host) {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!UpstreamSettings.isPublic(address)) {
                    throw new IllegalStateException(host + " resolves to " + address.getHostAddress()
                            + ", a loopback, link-local or private address this deployment does not fetch from");
                }
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("cannot resolve " + host, e);
        }
    }

    private static Answer answer(HttpResponse<InputStream> response, int maxBytes) {
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                return new Answer(response.statusCode(), "");
            }
            byte[] bytes = body.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw new IllegalStateException("a narinfo of more than " + maxBytes + " bytes from " + response.uri());
            }
            return new Answer(200, new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("reading " + response.uri() + ": " + e.getMessage(), e);
        }
    }
}
