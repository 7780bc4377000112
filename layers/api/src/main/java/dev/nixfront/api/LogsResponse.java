package dev.nixfront.api;

import java.util.List;

/** {@code POST /v1/caches/{cache}/logs}: one result per log, in request order. */
public record LogsResponse(List<LogResult> logs) {
    public LogsResponse {
        logs = Lists.copy(logs);
    }
}
