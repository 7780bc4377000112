package dev.nixfront.api;

import java.util.Map;

/** One presigned part of a multipart upload; part numbers start at 1. */
public record PartUrl(int partNumber, String url, Map<String, String> headers) {
    public PartUrl {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}
