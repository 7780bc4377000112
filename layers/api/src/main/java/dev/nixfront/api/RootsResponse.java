package dev.nixfront.api;

import java.util.List;

/**
 * What a roots report recorded: {@code {"recorded":["/nix/store/0123...-hello-2.12"],"notPublished":[]}}.
 * A root not published in the cache (never pushed there, still verifying, rejected) is not recorded.
 *
 * @param recorded     the roots recorded, in request order, each once
 * @param notPublished the roots the cache has not published, in request order, each once
 */
public record RootsResponse(List<String> recorded, List<String> notPublished) {
    public RootsResponse {
        recorded = Lists.copy(recorded);
        notPublished = Lists.copy(notPublished);
    }
}
