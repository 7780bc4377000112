package dev.nixfront.api;

import java.util.List;

/**
 * One page of a token listing, e.g. {@code {"tokens":[...],"next":"tk_3f9a0c1d2b4e5f60"}}: when
 * {@code next} is there, {@code GET /v1/tokens?after=<next>} gives the following page (which may
 * be empty). Pages keep an answer far below Lambda's 6 MB however many tokens there are.
 *
 * @param next the id to continue after, or null on the last page
 */
public record TokenList(List<TokenInfo> tokens, String next) {
    public TokenList {
        tokens = Lists.copy(tokens);
    }

    public TokenList(List<TokenInfo> tokens) {
        this(tokens, null);
    }
}
