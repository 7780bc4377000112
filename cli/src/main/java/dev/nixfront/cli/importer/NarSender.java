package dev.nixfront.cli.importer;

import dev.nixfront.api.CompleteUploadRequest;
import dev.nixfront.api.MultipartUpload;
import dev.nixfront.api.NarUpload;
import dev.nixfront.api.PartUrl;
import dev.nixfront.api.PartsRequest;
import dev.nixfront.api.PartsResponse;
import dev.nixfront.api.UploadRequest;
import dev.nixfront.api.UploadResponse;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.api.UploadedPart;
import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.client.HttpClients;
import dev.nixfront.cli.client.NixfrontClient;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Puts one staged NAR file into the cache's staging area through the upload protocol: asks for a
 * presigned target, PUTs the file (or its parts, then completes the multipart upload), straight
 * from disk. The push command has its own pipeline; this one is deliberately plain, one file at a
 * time per caller thread, since an import is bound by the source's bandwidth as much as the cache's.
 */
final class NarSender {
    private static final int ATTEMPTS = 4;
    // The JDK client sets these itself and refuses them as request headers.
    private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "expect", "upgrade");

    private final NixfrontClient client;
    private final HttpClients http;
    private final String cache;

    NarSender(NixfrontClient client, HttpClients http, String cache) {
        this.client = client;
        this.http = http;
        this.cache = cache;
    }

    /** Uploads {@code nar} unless the cache holds that exact file already; true when bytes were sent. */
    boolean send(StagedNar nar) throws IOException, InterruptedException, ApiException {
        String fileHash = nar.fileHash().toString();
        String compression = nar.compression().narInfoName();
        UploadResponse response = client.uploads(cache, new UploadRequest(List.of(new NarUpload(fileHash, nar.fileSize(), compression))));
        UploadTarget target = response.uploads().stream().filter(t -> fileHash.equals(t.fileHash())).findFirst()
                .orElseThrow(() -> new IOException("the server gave no upload target for " + fileHash));
        if (target.present()) {
            return false;
        }
        if (target.put() != null) {
            put(URI.create(target.put().url()), target.put().headers(), nar.file(), 0, nar.fileSize());
            return true;
        }
        MultipartUpload multipart = target.multipart();
        if (multipart == null) {
            throw new IOException("the server offered neither a PUT nor a multipart upload for " + fileHash);
        }
        List<PartUrl> urls = new ArrayList<>(multipart.parts());
        while (urls.size() < multipart.partCount()) {
            PartsResponse more = client.parts(cache, new PartsRequest(fileHash, nar.fileSize(), compression, multipart.uploadId(),
                    urls.size() + 1, Math.min(PartsRequest.MAX, multipart.partCount() - urls.size())));
            if (more.parts().isEmpty()) {
                throw new IOException("the server gave no more part URLs for " + fileHash);
            }
            urls.addAll(more.parts());
        }
        List<UploadedPart> done = new ArrayList<>();
        for (PartUrl part : urls) {
            long offset = (part.partNumber() - 1L) * multipart.partSize();
            long length = Math.min(multipart.partSize(), nar.fileSize() - offset);
            done.add(new UploadedPart(part.partNumber(), put(URI.create(part.url()), part.headers(), nar.file(), offset, length)));
        }
        client.complete(cache, new CompleteUploadRequest(fileHash, nar.fileSize(), compression, multipart.uploadId(), done));
        return true;
    }

    /** PUTs {@code length} bytes of {@code file} from {@code offset} with the signed headers; answers the ETag. */
    private String put(URI url, Map<String, String> headers, Path file, long offset, long length) throws IOException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(10))
                    .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> slice(file, offset, length)), length));
            headers.forEach((name, value) -> {
                if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
                    request.header(name, value);
                }
            });
            IOException failure;
            try {
                HttpResponse<String> response = http.forUri(url).send(request.build(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status / 100 == 2) {
                    return response.headers().firstValue("etag").orElse("");
                }
                failure = new IOException("storage refused the upload: HTTP " + status);
                if (status != 429 && status / 100 != 5) {
                    throw failure;
                }
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                failure = e;
            }
            if (attempt >= ATTEMPTS) {
                throw failure;
            }
            Thread.sleep(500L << attempt);
        }
    }

    private static InputStream slice(Path file, long offset, long length) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            channel.position(offset);
            return new FilterInputStream(Channels.newInputStream(channel)) {
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
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
