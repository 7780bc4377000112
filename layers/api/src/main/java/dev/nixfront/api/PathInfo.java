package dev.nixfront.api;

import java.util.List;

/**
 * One store path as a client publishes it: the narinfo fields except URL (the server builds it)
 * and signatures (the server signs). Raw strings: the server validates each by Nix's rules and
 * answers 400 naming the field, e.g. {@code paths[3].narHash}.
 *
 * <pre>{@code
 * {"storePath": "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi",
 *  "narHash": "sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h", "narSize": 120,
 *  "fileHash": "sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h", "fileSize": 120,
 *  "compression": "none", "references": ["ffffffffffffffffffffffffffffffff-dep"]}
 * }</pre>
 *
 * @param references basenames ({@code hash-name}), a self-reference included; required ({@code []} for none),
 *                   so a client that forgets them is refused instead of publishing a path without its closure
 * @param deriver    basename of the deriver, or null
 * @param ca         content-address assertion, or null
 */
public record PathInfo(String storePath, String narHash, long narSize, String fileHash, long fileSize,
                       String compression, @Required List<String> references, String deriver, String ca) {
    /**
     * The most reference text one path may carry: the sum over its references of basename length
     * plus one (about 3,000 references of a typical length, 800 of the longest Nix allows). Nix sets
     * no limit; the server stores a path's references in one index item, which must stay well under
     * DynamoDB's 400 KB (see {@code PathInfos} in the cache layer for the arithmetic).
     */
    public static final int MAX_REFERENCE_BYTES = 200_000;

    public PathInfo {
        references = Lists.copy(references);
    }
}
