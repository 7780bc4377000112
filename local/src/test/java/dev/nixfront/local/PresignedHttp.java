package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.MultipartUpload;
import dev.nixfront.api.PartUrl;
import dev.nixfront.api.UploadedPart;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What anyone holding presigned upload requests can send, spoken without the CLI: the signed
 * headers plus any unsigned ones a client cares to add (SigV4 cannot forbid those), and plain GETs
 * of the read server, as Nix or a browser would make them.
 */
final class PresignedHttp {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** Headers java.net.http sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "expect", "upgrade");

    private PresignedHttp() {}

    /** A PUT to a presigned URL with its signed headers and {@code extra} ones; the response's status and headers. */
    static HttpResponse<String> put(String url, Map<String, String> signed, Map<String, String> extra, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        signed.forEach((name, value) -> header(request, name, value));
        extra.forEach((name, value) -> header(request, name, value));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void header(HttpRequest.Builder request, String name, String value) {
        if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
            request.setHeader(name, value);
        }
    }

    static HttpResponse<byte[]> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Sends every part of {@code bytes} to its part URL (with {@code extra} headers); each must be taken. */
    static List<UploadedPart> uploadParts(MultipartUpload multipart, byte[] bytes, Map<String, String> extra)
            throws IOException, InterruptedException {
        assertThat(multipart.parts()).hasSize(multipart.partCount());
        List<UploadedPart> parts = new ArrayList<>();
        for (PartUrl part : multipart.parts()) {
            HttpResponse<String> response = put(part.url(), part.headers(), extra, slice(multipart, part, bytes));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            parts.add(new UploadedPart(part.partNumber(), response.headers().firstValue("etag").orElseThrow()));
        }
        return parts;
    }

    /** The bytes of one part: {@code partSize} bytes from the part's offset, fewer for the last. */
    static byte[] slice(MultipartUpload multipart, PartUrl part, byte[] bytes) {
        int from = (int) ((part.partNumber() - 1) * multipart.partSize());
        int to = (int) Math.min(bytes.length, from + multipart.partSize());
        return Arrays.copyOfRange(bytes, from, to);
    }
}
