package dev.nixfront.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.aws.DynamoDbCacheRepository;
import dev.nixfront.aws.DynamoDbPathIndex;
import dev.nixfront.aws.DynamoDbTableSchema;
import dev.nixfront.aws.PathListing;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.cli.client.ClientConfig;
import dev.nixfront.cli.client.NixfrontClient;
import dev.nixfront.local.server.DynaliteServer;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * `./nixfront local` on the data of a version from before the sharded path listing: a table with
 * gsi1 alone whose path items are listed under {@code gsi1pk=PATHS#<cache>}. The start copies it
 * into the table of the current schema (dynalite cannot add an index) and migrates the listing, so
 * the cache's paths are found again by deletion.
 */
class LocalUpgradeTest {
    private static final int PATHS = 40;
    // The table's own dynalite, standing in for the version before: any credentials it is started with.
    private static final String KEY_ID = "upgrade";
    private static final String SECRET = "upgrade-test";

    @Test
    void aStartOnTheDataOfBeforeUpgradesTheTableAndMigratesTheListing(@TempDir Path dir) throws Exception {
        List<PathRecord> written = new ArrayList<>();
        CacheRecord cache;
        try (LocalStack stack = LocalStack.start(new LocalStack.Options(dir, 0, 0));
             HttpClient http = HttpClient.newHttpClient()) {
            new NixfrontClient(new ClientConfig(stack.apiUrl(), stack.adminToken()), http)
                    .createCache(new CreateCacheRequest("kept", null, null, null));
            cache = new DynamoDbCacheRepository(stack.dynamoDb(), LocalStack.TABLE).get(CacheName.of("kept")).orElseThrow();
            DynamoDbPathIndex index = new DynamoDbPathIndex(stack.dynamoDb(), LocalStack.TABLE);
            for (int i = 0; i < PATHS; i++) {
                PathRecord record = record(i);
                index.putUnlessPublished(cache, record);
                written.add(record);
            }
        }
        rewriteAsBefore(dir.resolve("dynamodb"), cache);

        try (LocalStack stack = LocalStack.start(new LocalStack.Options(dir, 0, 0));
             HttpClient http = HttpClient.newHttpClient()) {
            DynamoDbClient dynamoDb = stack.dynamoDb();
            assertThat(dynamoDb.describeTable(b -> b.tableName(LocalStack.TABLE)).table().globalSecondaryIndexes())
                    .extracting(GlobalSecondaryIndexDescription::indexName).containsExactlyInAnyOrder("gsi1", "gsi2");
            assertThat(tableExists(dynamoDb, LocalStack.PREVIOUS_TABLE)).isFalse();
            DynamoDbPathIndex index = new DynamoDbPathIndex(dynamoDb, LocalStack.TABLE);
            List<StorePathHash> hashes = written.stream().map(PathRecord::hash).toList();
            assertThat(index.get(cache, hashes).values()).containsExactlyInAnyOrderElementsOf(written);
            for (PathRecord record : written) {
                Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(LocalStack.TABLE)
                        .key(Map.of("pk", AttributeValue.fromS("PATH#kept." + cache.incarnation() + "#" + record.hash()),
                                "sk", AttributeValue.fromS("PATH")))).item();
                assertThat(item).doesNotContainKey("gsi1pk");
                assertThat(item.get("gsi2pk").s()).isEqualTo(PathListing.partition(cache, record.hash()));
            }

            new NixfrontClient(new ClientConfig(stack.apiUrl(), stack.adminToken()), http).deleteCache("kept");
            assertThat(index.get(cache, hashes)).isEmpty();
        }
    }

    /**
     * Stands in for the version of before: its table {@code nixfront} with gsi1 alone, path items
     * listed under gsi1pk=PATHS#<cache>, and no table of the current version.
     */
    private static void rewriteAsBefore(Path data, CacheRecord cache) throws Exception {
        try (DynaliteServer dynalite = DynaliteServer.of(data, 0, KEY_ID, SECRET).start();
             DynamoDbClient dynamoDb = client(dynalite)) {
            List<Map<String, AttributeValue>> items = new ArrayList<>();
            dynamoDb.scanPaginator(b -> b.tableName(LocalStack.TABLE)).items().forEach(items::add);
            CreateTableRequest current = DynamoDbTableSchema.createTableRequest(LocalStack.PREVIOUS_TABLE);
            dynamoDb.createTable(current.toBuilder()
                    .attributeDefinitions(current.attributeDefinitions().stream().filter(a -> !a.attributeName().startsWith("gsi2")).toList())
                    .globalSecondaryIndexes(current.globalSecondaryIndexes().stream().filter(i -> i.indexName().equals("gsi1")).toList())
                    .build());
            awaitActive(dynamoDb, LocalStack.PREVIOUS_TABLE);
            for (Map<String, AttributeValue> item : items) {
                Map<String, AttributeValue> old = new HashMap<>(item);
                if (old.remove("gsi2pk") != null) {
                    old.put("gsi1pk", AttributeValue.fromS("PATHS#kept." + cache.incarnation()));
                    old.put("gsi1sk", old.remove("gsi2sk"));
                }
                dynamoDb.putItem(b -> b.tableName(LocalStack.PREVIOUS_TABLE).item(old));
            }
            assertThat(items).filteredOn(i -> i.get("pk").s().startsWith("PATH#")).hasSize(PATHS);
            dynamoDb.deleteTable(b -> b.tableName(LocalStack.TABLE));
            awaitGone(dynamoDb, LocalStack.TABLE);
        }
    }

    private static DynamoDbClient client(DynaliteServer dynalite) {
        return DynamoDbClient.builder()
                .endpointOverride(dynalite.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY_ID, SECRET)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /**
     * Stopped at any point, the upgrade loses nothing: a copy cut short (the new table holds part of
     * the items and no marker) is made again from the old table, which is dropped only once the
     * marker is written; after that the old table is never read, so a drop cut short is harmless.
     */
    @Test
    void anUpgradeInterruptedAnywhereLosesNoItem(@TempDir Path dir) throws Exception {
        try (DynaliteServer dynalite = DynaliteServer.of(dir, 0, KEY_ID, SECRET).start();
             DynamoDbClient dynamoDb = client(dynalite)) {
            CreateTableRequest schema = DynamoDbTableSchema.createTableRequest("old");
            dynamoDb.createTable(schema.toBuilder()
                    .attributeDefinitions(schema.attributeDefinitions().stream().filter(a -> !a.attributeName().startsWith("gsi2")).toList())
                    .globalSecondaryIndexes(schema.globalSecondaryIndexes().stream().filter(i -> i.indexName().equals("gsi1")).toList())
                    .build());
            awaitActive(dynamoDb, "old");
            for (int i = 0; i < 60; i++) {
                String pk = "CACHE#c" + i;
                dynamoDb.putItem(b -> b.tableName("old").item(Map.of("pk", AttributeValue.fromS(pk), "sk", AttributeValue.fromS("CACHE"))));
            }
            // Cut short after 10 items: the new table exists, holds a part, and has no marker.
            DynamoDbTableSchema.createTableIfMissing(dynamoDb, "new", Clock.systemUTC());
            dynamoDb.scanPaginator(b -> b.tableName("old").limit(10)).items().stream().limit(10)
                    .forEach(item -> dynamoDb.putItem(b -> b.tableName("new").item(item)));

            assertThat(LocalTableUpgrade.ensure(dynamoDb, "new", "old", Clock.systemUTC())).isTrue();

            assertThat(dynamoDb.scanPaginator(b -> b.tableName("new")).items().stream()
                    .filter(i -> i.get("pk").s().startsWith("CACHE#"))).hasSize(60);
            awaitGone(dynamoDb, "old");
            // Started again (the old table gone, or left half-dropped): nothing more to do, nothing lost.
            assertThat(LocalTableUpgrade.ensure(dynamoDb, "new", "old", Clock.systemUTC())).isFalse();
            assertThat(dynamoDb.scanPaginator(b -> b.tableName("new")).items().stream()
                    .filter(i -> i.get("pk").s().startsWith("CACHE#"))).hasSize(60);
        }
    }

    /** dynalite makes a table ACTIVE on a timer (0 ms, but after CreateTable answers): a put before that finds no table. */
    private static void awaitActive(DynamoDbClient dynamoDb, String table) {
        await(() -> dynamoDb.describeTable(b -> b.tableName(table)).table().tableStatus() == TableStatus.ACTIVE, table + " ACTIVE");
    }

    /** DeleteTable answers before the table is gone. */
    private static void awaitGone(DynamoDbClient dynamoDb, String table) {
        await(() -> !tableExists(dynamoDb, table), table + " deleted");
    }

    /** Polls {@code condition} until it holds, failing the test after 30 s. */
    private static void await(BooleanSupplier condition, String what) {
        long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - giveUp).as("waiting for " + what).isNegative();
            Thread.onSpinWait();
        }
    }

    private static boolean tableExists(DynamoDbClient dynamoDb, String table) {
        try {
            dynamoDb.describeTable(b -> b.tableName(table));
            return true;
        } catch (ResourceNotFoundException e) {
            return false;
        }
    }

    private static PathRecord record(int i) {
        byte[] bytes = new byte[StorePathHash.BYTES];
        bytes[0] = (byte) i;
        bytes[1] = (byte) (i * 7 + 3);
        StorePath path = new StorePath(StorePath.DEFAULT_STORE_DIR, StorePathHash.of(bytes), "kept-" + i);
        Hash file = Hash.sha256(("file " + i).getBytes(StandardCharsets.UTF_8));
        NarInfo info = NarInfo.builder(path).url("nar/" + file.toNix32() + ".nar.zst").compression(Compression.ZSTD)
                .fileHash(file).fileSize(100).narHash(Hash.sha256(("nar " + i).getBytes(StandardCharsets.UTF_8))).narSize(200)
                .build();
        return new PathRecord(info, PathState.VERIFYING, null, Instant.parse("2026-11-25T17:00:00Z"), "attempt-" + i);
    }
}
