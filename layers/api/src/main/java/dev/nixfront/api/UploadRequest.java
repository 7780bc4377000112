package dev.nixfront.api;

import java.util.List;

/**
 * {@code POST /v1/caches/{cache}/uploads}: up to {@value #MAX} NARs in one request.
 *
 * <p>Why 100: the answer must fit Lambda's 6 MB response and the upload function's 15 s. Each NAR
 * gets a presigned request of up to ~3 KB (the URL carries the function's session token), and the
 * answer holds at most 1,000 part URLs in all (more come from {@code /uploads/parts}): 100 + 1,000
 * requests are ~3.3 MB, where 500 NARs of 100 part URLs each were ~150 MB. And each NAR costs a
 * HEAD, plus a CreateMultipartUpload when it is large and new: 200 S3 calls at most, 16 at a time.
 * The CLI asks in batches of 100 anyway.
 */
public record UploadRequest(@Required List<NarUpload> nars) {
    public static final int MAX = 100;

    public UploadRequest {
        nars = Lists.copy(nars);
    }
}
