package dev.nixfront.cli.push;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PUTs NAR bytes to presigned S3 URLs, straight from the temporary file (never through memory),
 * sending exactly the headers the server signed, and retrying network errors and 5xx with backoff.
 */
public final class Transfer {
    // The JDK client sets these itself (Content-Length from the body publisher) and refuses them.
    private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "expect", "upgrade");
    private static final Pattern S3_CODE = Pattern.compile("<Code>([^<]*)</Code>");
    private static final Pattern S3_MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");

    private final Function<URI, HttpClient> http;
    private final RetryPolicy retry;

    /** @param http the client for a URL (presigned URLs of the local stack are http, of AWS https) */
    Transfer(Function<URI, HttpClient> http, RetryPolicy retry) {
        this.http = http;
        this.retry = retry;
    }

    /** Transfers through {@code http}'s clients with the default backoff (the push's and the import's). */
    public static Transfer of(dev.nixfront.cli.client.HttpClients http) {
        return new Transfer(http::forUri, RetryPolicy.DEFAULT);
    }

    /** Refused by the storage (4xx), or still failing after every retry. */
    static final class TransferException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        TransferException(String message, int status, Throwable cause) {
            super(message, cause);
            this.status = status;
        }

        /** The HTTP status, or 0 for a network error. */
        int status() {
            return status;
        }
    }

    /**
     * PUTs {@code length} bytes of {@code file} from {@code offset}; returns the ETag S3 answered
     * (a multipart upload's completion needs each part's).
     */
    public String put(URI url, Map<String, String> headers, Path file, long offset, long length) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(url)
                    .timeout(Duration.ofMinutes(10))
                    .PUT(HttpRequest.BodyPublishers.fromPublisher(
                            HttpRequest.BodyPublishers.ofInputStream(() -> slice(file, offset, length)), length));
            headers.forEach((name, value) -> {
                if (!RESTRICTED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                    request.header(name, value);
                }
            });
            TransferException failure;
            try {
                HttpResponse<String> response = http.apply(url).send(request.build(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status / 100 == 2) {
                    return response.headers().firstValue("etag").orElse("");
                }
                failure = new TransferException("storage refused the upload: HTTP " + status + describe(response.body()), status, null);
                if (!RetryPolicy.retryable(status)) {
                    throw failure;
                }
            } catch (InterruptedIOException e) {
                throw e;
            } catch (TransferException e) {
                throw e;
            } catch (IOException e) {
                failure = new TransferException("upload to " + url.getHost() + ":" + url.getPort() + " failed: " + e, 0, e);
            }
            if (attempt >= retry.attempts()) {
                throw failure;
            }
            Thread.sleep(retry.delayAfter(attempt));
        }
    }

    private static InputStream slice(Path file, long offset, long length) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            channel.position(offset);
            InputStream in = Channels.newInputStream(channel);
            return new InputStream() {
                private long left = length;

                @Override
                public int read() throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int b = in.read();
                    if (b >= 0) {
                        left--;
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int n = in.read(b, off, (int) Math.min(len, left));
                    if (n > 0) {
                        left -= n;
                    }
                    return n;
                }

                @Override
                public void close() throws IOException {
                    in.close();
                }
            };
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String describe(String body) {
        Matcher code = S3_CODE.matcher(body == null ? "" : body);
        if (!code.find()) {
            return "";
        }
        Matcher message = S3_MESSAGE.matcher(body);
        return " " + code.group(1) + (message.find() ? " (" + message.group(1) + ")" : "");
    }
}
