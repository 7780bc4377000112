package dev.nixfront.api;

/**
 * {@code POST /v1/caches/{cache}/gc}: {@code {"dryRun":true}} reports what a collection would remove
 * and why, changing nothing; {@code {}} or {@code {"dryRun":false}} collects. Answered by 200 and a
 * {@link GcReport}.
 *
 * @param dryRun only report; null counts as false
 */
public record GcRequest(Boolean dryRun) {
    public boolean dry() {
        return Boolean.TRUE.equals(dryRun);
    }
}
