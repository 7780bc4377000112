package dev.nixfront.api;

import java.util.List;

/** A cache's trusts ({@code GET /v1/caches/{cache}/trusts}), at most {@value #MAX} of them, in id order. */
public record TrustList(List<TrustInfo> trusts) {
    /** The most trusts one cache may have. */
    public static final int MAX = 20;

    public TrustList {
        trusts = Lists.copy(trusts);
    }
}
