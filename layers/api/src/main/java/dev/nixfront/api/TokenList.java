package dev.nixfront.api;

import java.util.List;

public record TokenList(List<TokenInfo> tokens) {
    public TokenList {
        tokens = Lists.copy(tokens);
    }
}
