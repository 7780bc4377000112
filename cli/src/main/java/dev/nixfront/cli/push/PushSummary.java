package dev.nixfront.cli.push;

import java.util.Locale;

/**
 * What a push did, printed at its end (and as JSON with {@code --json}).
 *
 * @param paths         the store paths considered (the closure, unless {@code --no-closure})
 * @param skipped       those the cache already had
 * @param upstream      those not pushed because an upstream of the cache serves them, validly signed
 * @param pushed        those uploaded (or found already uploaded) and published now
 * @param narBytes      uncompressed NAR bytes of the pushed paths
 * @param fileBytes     compressed bytes of the pushed paths
 * @param uploadedBytes bytes actually sent to storage (a NAR another push uploaded is not sent again)
 * @param seconds       wall-clock time of the whole push
 * @param roots         the paths given that the cache recorded as roots of this push (what garbage
 *                      collection keeps); 0 when the server does not record roots
 * @param logs          build logs of the pushed paths' derivers that the cache stored now
 */
public record PushSummary(String cache, int paths, int skipped, int upstream, int pushed, long narBytes, long fileBytes,
                          long uploadedBytes, String compression, double seconds, int roots, int logs) {

    /** One line for a human. */
    public String describe() {
        String time = String.format(Locale.ROOT, "%.2f s", seconds);
        String recorded = roots == 0 ? "" : "; " + roots + (roots == 1 ? " root" : " roots") + " recorded";
        String fromUpstream = upstream == 0 ? "" : ", " + upstream + " served by an upstream";
        if (pushed == 0) {
            return "nothing to push: all " + paths + " paths are already in " + cache + fromUpstream.replace(", ", " or ") + " ("
                    + time + ")" + recorded;
        }
        return "pushed " + pushed + " of " + paths + " paths to " + cache + " (" + skipped + " already there" + fromUpstream + "), "
                + Progress.bytes(narBytes) + " of NAR as " + Progress.bytes(fileBytes) + " " + compression
                + ", " + Progress.bytes(uploadedBytes) + " uploaded" + (logs == 0 ? "" : ", " + logs + (logs == 1 ? " build log" : " build logs"))
                + ", in " + time + recorded;
    }
}
