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
import dev.nixfront.cli.push.Transfer;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts one staged NAR file into the cache's staging area through the upload protocol: asks for a
 * presigned target, PUTs the file (or its parts, then completes the multipart upload), straight
 * from disk. The push command has its own pipeline; this one is deliberately plain, one file at a
 * time per caller thread, since an import is bound by the source's bandwidth as much as the cache's.
 */
final class NarSender {
    private final NixfrontClient client;
    private final Transfer transfer;
    private final String cache;

    NarSender(NixfrontClient client, HttpClients http, String cache) {
        this.client = client;
        this.transfer = Transfer.of(http);
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
            transfer.put(URI.create(target.put().url()), target.put().headers(), nar.file(), 0, nar.fileSize());
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
            done.add(new UploadedPart(part.partNumber(), transfer.put(URI.create(part.url()), part.headers(), nar.file(), offset, length)));
        }
        client.complete(cache, new CompleteUploadRequest(fileHash, nar.fileSize(), compression, multipart.uploadId(), done));
        return true;
    }
}
