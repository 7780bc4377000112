package dev.nixfront.cli.command;

import dev.nixfront.cli.client.ApiException;
import dev.nixfront.cli.push.Pusher;
import dev.nixfront.cli.watch.NixValidity;
import dev.nixfront.cli.watch.StoreWatcher;
import dev.nixfront.cli.watch.WatchLoop;
import dev.nixfront.nix.Compression;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "watch-store", mixinStandardHelpOptions = true,
        description = {"Push every store path as it becomes valid (each with its closure, minus what the cache has), until stopped "
                + "with Ctrl-C or SIGTERM.",
                "Paths come from the store (a build or substitution ending) and from --queue, a directory a Nix post-build-hook "
                + "writes one file per build into (docs/deploy.md, \"Pushing builds as they happen\"): files left there while "
                + "no watcher ran are pushed when one starts. Bursts are pushed together; network errors and server restarts "
                + "are retried with backoff."})
public final class WatchStoreCommand extends ClientCommand {
    @Parameters(index = "0", paramLabel = "CACHE")
    String cache;

    @Option(names = "--queue", paramLabel = "DIR", description = "A directory a post-build-hook writes store paths into (one file per build).")
    Path queue;

    @Option(names = "--store-dir", paramLabel = "DIR", defaultValue = "/nix/store", description = "The store to watch (default ${DEFAULT-VALUE}).")
    Path storeDir;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", defaultValue = "8", description = "Uploads in flight (default ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--compression", paramLabel = "zstd|xz|none", defaultValue = "zstd", description = "NAR compression (default ${DEFAULT-VALUE}).")
    String compression;

    @Mixin
    LogOptions logs;

    @Override
    int run() throws IOException, InterruptedException, ApiException {
        Compression codec = PushCommand.uploadCodec(compression);
        Pusher pusher = Pusher.create(client(), http(), err(), false, true);
        WatchLoop loop = new WatchLoop(paths -> pusher.push(new Pusher.Options(cache, paths, true, jobs, codec, -1, logs.directory())),
                new NixValidity("nix-store"), WatchLoop.Timing.DEFAULT, this::report);
        Thread main = Thread.currentThread();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            // SIGTERM: stop taking paths, abandon a push in flight (its queue files stay for the next
            // start) and wait for run() to end, so temporary files are deleted and the last line
            // printed. Not a join: main then calls System.exit, which waits for this hook.
            loop.stop();
            main.interrupt();
            try {
                finished.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "nixfront-watch-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try (StoreWatcher watcher = new StoreWatcher(storeDir, queue, loop)) {
            watcher.start();
            err().println("nixfront: watching " + storeDir + (queue == null ? "" : " and " + queue) + " for paths to push to " + cache
                    + "; stop with Ctrl-C or SIGTERM");
            err().flush();
            loop.run();
        } catch (InterruptedException e) {
            // stopped
        } finally {
            report("stopped" + (loop.idle() ? "" : "; what was not pushed waits in the queue for the next start"));
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is what stopped us
            }
        }
        return 0;
    }

    private synchronized void report(String line) {
        out().println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " " + line);
        out().flush();
    }
}
