package dev.nixfront.cli.push;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

/** The paths whose NAR is in storage, by full store path; publishing waits on it. */
final class Landed {
    private final Map<String, PackedNar> nars = new HashMap<>();

    synchronized void add(PackedNar nar) {
        nars.put(nar.path().path().toString(), nar);
        notifyAll();
    }

    synchronized PackedNar get(String path) {
        return nars.get(path);
    }

    /**
     * Waits until at least {@code min} consecutive paths from {@code from} on have landed (or
     * the uploads are over, or a second passed with at least one ready); returns how many
     * consecutive ones have, at most {@code max}.
     */
    synchronized int await(List<LocalPath> ordered, int from, int min, int max, Future<?> uploads) throws InterruptedException {
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (true) {
            int ready = 0;
            while (from + ready < ordered.size() && ready < max && nars.containsKey(ordered.get(from + ready).path().toString())) {
                ready++;
            }
            if (ready >= min || uploads.isDone() || (ready > 0 && System.nanoTime() > deadline)) {
                return ready;
            }
            wait(100);
        }
    }
}
