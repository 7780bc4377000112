package dev.nixfront.api;

import java.util.List;

/**
 * One page of a cache's pins in name order, e.g. {@code {"pins":[...],"next":"release"}}: when
 * {@code next} is there, {@code GET /v1/caches/{cache}/pins?after=<next>} gives the following page
 * (which may be empty). A page holds at most {@value #PAGE} pins of at most
 * {@value PinRequest#MAX_KEEP_REVISIONS} revisions (about 32 KB each at worst), well under
 * Lambda's 6 MB.
 *
 * @param next the name to continue after, or null on the last page
 */
public record PinList(List<PinInfo> pins, String next) {
    public static final int PAGE = 50;

    public PinList {
        pins = Lists.copy(pins);
    }

    public PinList(List<PinInfo> pins) {
        this(pins, null);
    }
}
