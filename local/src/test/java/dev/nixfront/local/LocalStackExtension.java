package dev.nixfront.local;

import dev.nixfront.cache.CacheSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts one whole local stack (s3proxy, dynalite, API front, read server) on free ports in a
 * temporary directory, shared by every test class of the run, and stops it (child process
 * included) when the run ends. Inject it as a {@link LocalStack} parameter.
 *
 * <p>The multipart threshold is lowered to S3's 5 MiB minimum part size so a NAR of a few MiB
 * takes the multipart path, as a multi-GB one does in production.
 */
public final class LocalStackExtension implements ParameterResolver {
    static final long MULTIPART_THRESHOLD = 5 * CacheSettings.MIB;

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LocalStack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.create(LocalStackExtension.class))
                .getOrComputeIfAbsent("stack", key -> new Running(), Running.class).stack;
    }

    /**
     * A collection waits this between marking and deleting (the local stack's own default is longer);
     * publishes give up at half of it between checking references and writing a narinfo.
     */
    static final java.time.Duration COLLECTION_FENCE = java.time.Duration.ofSeconds(3);

    /** The stack and its directory, closed by JUnit when the root context closes. */
    private static final class Running implements AutoCloseable {
        final Path directory;
        final LocalStack stack;

        Running() {
            try {
                directory = Files.createTempDirectory("nixfront-local-test-");
                stack = LocalStack.start(new LocalStack.Options(directory, 0, 0,
                        settings -> settings.withMultipartThreshold(MULTIPART_THRESHOLD).withCollectionFence(COLLECTION_FENCE)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                stack.close();
            } finally {
                deleteTree(directory);
            }
        }
    }

    static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                file.toFile().setWritable(true);
                Files.deleteIfExists(file);
            }
        }
    }
}
