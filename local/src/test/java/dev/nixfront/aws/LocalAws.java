package dev.nixfront.aws;

import dev.nixfront.local.server.DynaliteServer;
import dev.nixfront.local.server.S3ProxyServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One s3proxy (files in a temporary directory) and one in-memory dynalite for the whole test run,
 * started on first use and stopped when JUnit closes its root store. Test classes isolate
 * themselves with fresh bucket and table names. Use with {@code @ExtendWith(LocalAws.Extension.class)}
 * and a {@code LocalAws} parameter.
 */
final class LocalAws implements AutoCloseable {
    static final String ACCESS_KEY_ID = "nixfront-test";
    static final String SECRET_ACCESS_KEY = "nixfront-test-secret-not-for-aws";

    private final Path directory;
    private final S3ProxyServer s3;
    private final DynaliteServer dynamoDb;
    private final AwsClients clients;

    private LocalAws(Path directory, S3ProxyServer s3, DynaliteServer dynamoDb) {
        this.directory = directory;
        this.s3 = s3;
        this.dynamoDb = dynamoDb;
        this.clients = AwsClients.create(AwsClientConfig.local(s3.endpoint(), dynamoDb.endpoint(),
                ACCESS_KEY_ID, SECRET_ACCESS_KEY));
    }

    static LocalAws start() {
        try {
            Path directory = Files.createTempDirectory("nixfront-aws-it");
            S3ProxyServer s3 = new S3ProxyServer(directory.resolve("s3"), ACCESS_KEY_ID, SECRET_ACCESS_KEY, 0).start();
            try {
                return new LocalAws(directory, s3, DynaliteServer.inMemory(ACCESS_KEY_ID, SECRET_ACCESS_KEY).start());
            } catch (RuntimeException e) {
                s3.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    AwsClients clients() {
        return clients;
    }

    S3ProxyServer s3Server() {
        return s3;
    }

    /** A new, empty bucket. */
    String newBucket() {
        String name = "it-" + suffix();
        s3.createBucket(name);
        return name;
    }

    /** A new, empty nixfront table (pk/sk, gsi1, gsi2). */
    String newTable() {
        String name = "nixfront-it-" + suffix();
        DynamoDbTableSchema.createTableIfMissing(clients.dynamoDb(), name, Clock.systemUTC());
        return name;
    }

    private static String suffix() {
        byte[] bytes = new byte[6];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void close() throws IOException {
        try {
            clients.close();
        } finally {
            try {
                dynamoDb.close();
            } finally {
                s3.close();
            }
        }
        Files.walkFileTree(directory, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Resolves {@code LocalAws} parameters to the run-wide instance. */
    static final class Extension implements ParameterResolver {
        private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LocalAws.class);

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == LocalAws.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            return context.getRoot().getStore(NAMESPACE)
                    .getOrComputeIfAbsent(LocalAws.class, k -> LocalAws.start(), LocalAws.class);
        }
    }
}
