package dev.nixfront.cache;

import dev.nixfront.api.CompleteUploadRequest;
import dev.nixfront.api.PartUrl;
import dev.nixfront.api.PartsRequest;
import dev.nixfront.api.UploadTarget;
import dev.nixfront.api.UploadedPart;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

final class UploadTestSupport {
    private UploadTestSupport() {}

    /** Uploads every part (fetching further pages of part URLs) and completes into staging. */
    static void uploadMultipart(Fixture f, String cache, Fixture.Nar nar, UploadTarget target) {
        uploadMultipart(f, cache, nar.file(), nar, target);
    }

    /** As above, but sending {@code bytes} (possibly not the file the narinfo describes). */
    static void uploadMultipart(Fixture f, String cache, byte[] bytes, Fixture.Nar nar, UploadTarget target) {
        var mp = target.multipart();
        List<PartUrl> urls = new ArrayList<>(mp.parts());
        while (urls.size() < mp.partCount()) {
            urls.addAll(f.services.uploads().parts(Fixture.ADMIN, cache, new PartsRequest(nar.fileHash().toString(),
                    nar.file().length, nar.compression().narInfoName(), mp.uploadId(), urls.size() + 1, 1000)).parts());
        }
        List<UploadedPart> done = new ArrayList<>();
        for (PartUrl url : urls) {
            long from = (url.partNumber() - 1) * mp.partSize();
            long to = Math.min(from + mp.partSize(), bytes.length);
            if (Long.parseLong(url.headers().get("Content-Length")) != to - from) {
                throw new IllegalStateException("part " + url.partNumber() + " is presigned for another length");
            }
            f.objects.clientPutPart(target.key(), mp.uploadId(), url.partNumber(),
                    Arrays.copyOfRange(bytes, (int) from, (int) to));
            done.add(new UploadedPart(url.partNumber(), "\"etag" + url.partNumber() + "\""));
        }
        f.services.uploads().complete(Fixture.ADMIN, cache, new CompleteUploadRequest(nar.fileHash().toString(),
                nar.file().length, nar.compression().narInfoName(), mp.uploadId(), done));
    }
}
