package dev.nixfront.api;

/**
 * {@code POST /v1/caches/{cache}/gc}: {@code {"dryRun":true}} reports what a collection would remove
 * and why, changing nothing; {@code {}} or {@code {"dryRun":false}} collects. Answered by a
 * {@link GcStatus}: 200 and its {@link GcReport} when done at once, 202 while it runs as a job.
 *
 * @param dryRun only report; null counts as false
 */
public record GcRequest(Boolean dryRun) {
    public boolean dry() {
        return Boolean.TRUE.equals(dryRun);
    }
}
