package dev.nixfront.api;

import java.util.List;

/** {@code POST /v1/caches/{cache}/uploads}: up to {@value #MAX} NARs in one request. */
public record UploadRequest(@Required List<NarUpload> nars) {
    public static final int MAX = 500;

    public UploadRequest {
        nars = Lists.copy(nars);
    }
}
