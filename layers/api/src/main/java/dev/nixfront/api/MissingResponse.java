package dev.nixfront.api;

import java.util.List;

/** The requested hashes that are not published in the cache, in request order. */
public record MissingResponse(List<String> missing) {
    public MissingResponse {
        missing = Lists.copy(missing);
    }
}
