package dev.nixfront.cli.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.time.Duration;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The HTTP clients of one command run, built on first use: HTTP/1.1 (presigned S3 URLs and API
 * Gateway both speak it, no upgrade dance). A plain-HTTP server (the local stack) gets a client
 * that never loads the JDK's CA certificates, which costs a short command like {@code push} of
 * an already-pushed closure a noticeable part of its run; https gets the default TLS client.
 */
public final class HttpClients implements AutoCloseable {
    private HttpClient plain;
    private HttpClient tls;

    public synchronized HttpClient forUri(URI uri) {
        if ("https".equalsIgnoreCase(uri.getScheme())) {
            if (tls == null) {
                tls = builder().build();
            }
            return tls;
        }
        if (plain == null) {
            plain = builder().sslContext(noTls()).build();
        }
        return plain;
    }

    private static HttpClient.Builder builder() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL);
    }

    // Trusts nothing: this client is only ever handed http:// URLs.
    private static SSLContext noTls() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[0], new TrustManager[0], null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no TLS", e);
        }
    }

    @Override
    public synchronized void close() {
        if (plain != null) {
            plain.close();
        }
        if (tls != null) {
            tls.close();
        }
    }
}
