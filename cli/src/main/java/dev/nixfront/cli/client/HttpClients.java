package dev.nixfront.cli.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Duration;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The HTTP clients of one command run, built on first use: HTTP/1.1 (presigned S3 URLs and API
 * Gateway both speak it, no upgrade dance). A plain-HTTP server (the local stack) gets a client
 * that never loads the JDK's TLS (CA certificates, providers, cipher suites), which costs a short
 * command like {@code push} of an already-pushed closure a noticeable part of its run; https gets
 * the default TLS client.
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

    /**
     * The TLS context of the plain-HTTP client, which is only ever handed http:// URLs. The JDK's
     * client wants one even then, and any real one, even one that trusts nothing, first loads the
     * security providers and JSSE's cipher suites and signature schemes: 0.1-0.15 s of a command
     * that often takes well under a second. This one can make no TLS connection at all: an https
     * URL that reaches it anyway (a plain server's redirect) gets an IOException, never an
     * unverified connection.
     */
    private static SSLContext noTls() {
        return new SSLContext(new NoTls(), null, "none") {};
    }

    private static final class NoTls extends SSLContextSpi {
        private static UnsupportedOperationException refused() {
            return new UnsupportedOperationException("an https:// URL reached the client for plain http:// (a redirect from an http:// server?)");
        }

        @Override
        protected void engineInit(KeyManager[] keys, TrustManager[] trust, SecureRandom random) {
            // Nothing to set up: this context makes no connections.
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            throw refused();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            throw refused();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            throw refused();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            throw refused();
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            throw refused();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            throw refused();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return new SSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return new SSLParameters();
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
