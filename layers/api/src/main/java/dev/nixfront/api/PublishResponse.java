package dev.nixfront.api;

import java.util.List;

/** One result per requested path, in request order. */
public record PublishResponse(List<PublishResult> results) {
    public PublishResponse {
        results = Lists.copy(results);
    }
}
