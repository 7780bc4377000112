package dev.nixfront.cli.watch;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Objects;

/**
 * Feeds a {@link WatchLoop} from the store directory (a deleted {@code <path>.lock} names a path
 * that just became valid) and from the queue directory (files a post-build-hook wrote, including
 * those written while no watcher ran, read at start). Runs on a thread of its own until closed.
 */
public final class StoreWatcher implements AutoCloseable {
    private static final String LOCK = ".lock";

    private final WatchService watch;
    private final Path storeDir;
    private final Path queueDir;
    private final WatchLoop loop;
    private final Thread thread;

    /**
     * @param queueDir the post-build-hook's queue, or null for none
     */
    public StoreWatcher(Path storeDir, Path queueDir, WatchLoop loop) throws IOException {
        this.storeDir = Objects.requireNonNull(storeDir);
        this.queueDir = queueDir;
        this.loop = Objects.requireNonNull(loop);
        this.watch = storeDir.getFileSystem().newWatchService();
        storeDir.register(watch, StandardWatchEventKinds.ENTRY_DELETE);
        if (queueDir != null) {
            Files.createDirectories(queueDir);
            queueDir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        }
        this.thread = Thread.ofPlatform().daemon().name("nixfront-watch").unstarted(this::watch);
    }

    /** Reads what the queue holds already, then starts watching. */
    public void start() throws IOException {
        if (queueDir != null) {
            try (DirectoryStream<Path> queued = Files.newDirectoryStream(queueDir, StoreWatcher::queued)) {
                for (Path file : queued) {
                    loop.offerFile(file);
                }
            }
        }
        thread.start();
    }

    /** A file the hook finished writing: it writes {@code .tmp.*} and renames it, so a partial file is never read. */
    private static boolean queued(Path file) {
        Path name = file.getFileName();
        return name != null && !name.toString().startsWith(".") && Files.isRegularFile(file);
    }

    private void watch() {
        try {
            while (true) {
                WatchKey key = watch.take();
                Path dir = (Path) key.watchable();
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                        continue; // lost events: the next push of a referrer carries their paths along in its closure
                    }
                    Path name = (Path) event.context();
                    if (dir.equals(storeDir)) {
                        String file = name.toString();
                        if (file.endsWith(LOCK)) {
                            loop.offer(storeDir.resolve(file.substring(0, file.length() - LOCK.length())).toString());
                        }
                    } else if (queued(dir.resolve(name))) {
                        loop.offerFile(dir.resolve(name));
                    }
                }
                key.reset();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    @Override
    public void close() throws IOException {
        watch.close();
        thread.interrupt();
    }
}
