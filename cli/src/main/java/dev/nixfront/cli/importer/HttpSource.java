package dev.nixfront.cli.importer;

import dev.nixfront.nix.StorePathHash;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * An {@code http(s)://} binary cache (cache.nixos.org-style, an S3 bucket's website or HTTPS
 * endpoint, Attic, niks3, nixfront itself): the protocol has no listing, so it is walked from roots.
 * Network errors and 5xx are retried a few times; 404 (and 403, which S3 answers for a missing key
 * when listing is not allowed) mean "not there".
 */
final class HttpSource implements Source {
    private static final int ATTEMPTS = 4;
    private static final long NARINFO_LIMIT = 1 << 20;

    private final URI root;
    /** The client for each URL: a narinfo's URL may name another host, and another scheme, than the cache's. */
    private final Function<URI, HttpClient> clients;

    HttpSource(URI root, Function<URI, HttpClient> clients) {
        String text = root.toString();
        this.root = URI.create(text.endsWith("/") ? text : text + "/");
        this.clients = clients;
    }

    @Override
    public String describe() {
        return root.toString();
    }

    @Override
    public Optional<List<StorePathHash>> list() {
        return Optional.empty();
    }

    @Override
    public Optional<byte[]> narinfo(StorePathHash hash) throws IOException, InterruptedException {
        return small(hash.value() + ".narinfo");
    }

    @Override
    public Optional<String> cacheInfo() throws IOException, InterruptedException {
        return small("nix-cache-info").map(bytes -> new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public InputStream open(String url) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = get(url, HttpResponse.BodyHandlers.ofInputStream(), Duration.ofMinutes(30));
        if (response.statusCode() == 200) {
            return response.body();
        }
        response.body().close();
        throw new IOException("GET " + root.resolve(url) + ": HTTP " + response.statusCode());
    }

    private Optional<byte[]> small(String name) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = get(name, HttpResponse.BodyHandlers.ofInputStream(), Duration.ofMinutes(1));
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            if (status == 404 || status == 403) {
                return Optional.empty();
            }
            if (status != 200) {
                throw new IOException("GET " + root.resolve(name) + ": HTTP " + status);
            }
            // A narinfo is a few hundred bytes; a server answering megabytes is not a binary cache.
            byte[] bytes = body.readNBytes((int) NARINFO_LIMIT + 1);
            if (bytes.length > NARINFO_LIMIT) {
                throw new IOException("GET " + root.resolve(name) + ": larger than " + NARINFO_LIMIT + " bytes");
            }
            return Optional.of(bytes);
        }
    }

    private <T> HttpResponse<T> get(String relative, HttpResponse.BodyHandler<T> handler, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(root.resolve(relative)).timeout(timeout)
                .header("User-Agent", "nixfront-import").GET().build();
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<T> response = clients.apply(request.uri()).send(request, handler);
                if (response.statusCode() / 100 != 5 || attempt >= ATTEMPTS) {
                    return response;
                }
                if (response.body() instanceof InputStream in) {
                    in.close();
                }
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                if (attempt >= ATTEMPTS) {
                    throw new IOException("GET " + request.uri() + ": " + e.getMessage(), e);
                }
            }
            Thread.sleep(250L << attempt);
        }
    }
}
