package dev.nixfront.cli.push;

import dev.nixfront.cli.client.ApiException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting on the background work of a push or an import, rethrowing what it failed with as the caller's own exceptions. */
public final class Futures {
    private Futures() {}

    public static <T> T await(Future<T> future) throws IOException, InterruptedException, ApiException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof ApiException api) {
                throw api;
            }
            if (cause instanceof UncheckedIOException unchecked) {
                throw unchecked.getCause();
            }
            if (cause instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(cause.getMessage(), cause);
        }
    }
}
