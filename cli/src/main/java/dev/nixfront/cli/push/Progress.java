package dev.nixfront.cli.push;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a push tells the user while it runs: a redrawn bar on a terminal, one line per path
 * otherwise (logs of CI jobs), nothing under {@code --json}. Called from many threads.
 */
abstract class Progress {
    protected final AtomicInteger done = new AtomicInteger();
    protected final AtomicLong bytesDone = new AtomicLong();
    protected volatile int total;
    protected volatile long bytesTotal;

    static Progress create(PrintWriter err, boolean terminal, boolean quiet) {
        if (quiet) {
            return new Progress() {};
        }
        return terminal ? new Bar(err) : new Lines(err);
    }

    /** The closure is known: {@code paths} need pushing, {@code narBytes} of NAR in all. */
    void planned(int paths, long narBytes) {
        total = paths;
        bytesTotal = narBytes;
        redraw();
    }

    void pushed(String storePath, long narSize, long fileSize) {
        done.incrementAndGet();
        bytesDone.addAndGet(narSize);
        redraw();
    }

    void message(String text) {}

    void finish() {}

    protected void redraw() {}

    static String bytes(long n) {
        return Sizes.bytes(n);
    }

    private static final class Lines extends Progress {
        private final PrintWriter err;

        Lines(PrintWriter err) {
            this.err = err;
        }

        @Override
        void planned(int paths, long narBytes) {
            super.planned(paths, narBytes);
            if (paths > 0) {
                err.println("pushing " + paths + " paths (" + bytes(narBytes) + " of NAR)");
            }
        }

        @Override
        void pushed(String storePath, long narSize, long fileSize) {
            super.pushed(storePath, narSize, fileSize);
            err.println("[" + done.get() + "/" + total + "] " + storePath + " (" + bytes(narSize) + " -> " + bytes(fileSize) + ")");
        }

        @Override
        void message(String text) {
            err.println(text);
        }
    }

    private static final class Bar extends Progress {
        private static final int WIDTH = 30;
        private final PrintWriter err;
        private final long started = System.nanoTime();
        private long lastDraw;

        Bar(PrintWriter err) {
            this.err = err;
        }

        @Override
        void message(String text) {
            synchronized (this) {
                err.print("\r\033[K" + text + "\n");
                lastDraw = 0;
            }
            redraw();
        }

        @Override
        protected void redraw() {
            long now = System.nanoTime();
            synchronized (this) {
                // Redrawing on every event would flood a slow terminal with thousands of paths.
                if (now - lastDraw < 100_000_000L && done.get() < total) {
                    return;
                }
                lastDraw = now;
                long all = Math.max(1, bytesTotal);
                int filled = (int) (WIDTH * Math.min(1.0, bytesDone.get() / (double) all));
                double seconds = Math.max(1e-3, (now - started) / 1e9);
                err.print("\r\033[K[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] "
                        + done.get() + "/" + total + " paths  " + bytes(bytesDone.get()) + " / " + bytes(bytesTotal)
                        + "  " + bytes((long) (bytesDone.get() / seconds)) + "/s");
                err.flush();
            }
        }

        // The summary line replaces the bar.
        @Override
        synchronized void finish() {
            err.print("\r\033[K");
            err.flush();
        }
    }
}
