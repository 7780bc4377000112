package dev.nixfront.api;

import java.util.List;

/**
 * What one {@code POST /v1/index-migration} did: {@code {"moved":1200,"finished":["a","b"],"next":"team"}}.
 *
 * @param moved    path items this request moved into the sharded listing
 * @param finished the caches whose old listing this request found empty, by name
 * @param next     the {@code from} of the next request, or null when every cache is done
 */
public record IndexMigrationResponse(long moved, List<String> finished, String next) {
    public IndexMigrationResponse {
        finished = Lists.copy(finished);
    }
}
