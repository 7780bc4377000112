package dev.nixfront.local;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./nixfront local}: runs the whole stack in the foreground until SIGTERM or Ctrl-C, which
 * stop every part (the dynalite child process too) through a shutdown hook.
 */
@Command(name = "nixfront local", mixinStandardHelpOptions = true,
        description = {"Run all of nixfront on this machine: the API, S3 (s3proxy), DynamoDB (dynalite) and the cache read server.",
                "Prints the URLs and the admin token when ready and writes them to DIR/local.env."})
public final class LocalMain implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".nixfront", description = "Where data, keys and the admin token live (default ${DEFAULT-VALUE}).")
    Path directory;

    @Option(names = "--api-port", paramLabel = "N", defaultValue = "8470", description = "Port of the API on 127.0.0.1 (default ${DEFAULT-VALUE}; 0 = any free).")
    int apiPort;

    @Option(names = "--cache-port", paramLabel = "N", defaultValue = "8471", description = "Port of the cache read server (default ${DEFAULT-VALUE}; 0 = any free).")
    int cachePort;

    @Option(names = "--latency-ms", paramLabel = "N", defaultValue = "0",
            description = "Add N ms to every request to S3 and DynamoDB (presigned uploads included), as AWS's round trips would (default ${DEFAULT-VALUE}).")
    long latencyMs;

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new LocalMain());
        commandLine.setExecutionExceptionHandler((e, command, parse) -> {
            command.getErr().println("nixfront local: " + oneLine(e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        System.exit(commandLine.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        out.println("nixfront local: starting in " + directory.toAbsolutePath().normalize() + " ...");
        if (latencyMs < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--latency-ms must not be negative");
        }
        LocalStack stack = LocalStack.start(new LocalStack.Options(directory, apiPort, cachePort)
                .withLatency(Duration.ofMillis(latencyMs)));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("nixfront local: stopping ...");
            try {
                stack.close();
            } finally {
                stopped.countDown();
            }
        }, "nixfront-local-stop"));
        out.println();
        out.println("nixfront local is ready.");
        out.println("  API (NIXFRONT_SERVER):      " + stack.apiUrl());
        out.println("  caches (NIXFRONT_CACHE_URL): " + stack.cacheUrl() + "/<cache>");
        out.println("  admin token (NIXFRONT_TOKEN): " + stack.adminToken());
        out.println("  all three in " + stack.envFile() + " (mode 0600)");
        if (latencyMs > 0) {
            out.println("  every request to S3 and DynamoDB waits " + latencyMs + " ms more (--latency-ms)");
        }
        out.println();
        out.println("Try:");
        out.println("  set -a; . " + stack.envFile() + "; set +a");
        out.println("  ./nixfront cache create demo && ./nixfront push demo ./result   # any store path or result link");
        out.println("  ./nixfront use demo");
        out.println();
        out.println("Ctrl-C stops everything; data stays in " + stack.directory() + ".");
        out.flush();
        stopped.await();
        return 0;
    }

    private static String oneLine(String message) {
        return message.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
