package dev.nixfront.local;

import dev.nixfront.aws.DynamoDbTableSchema;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Brings a local stack's table (kept under {@code DIR/dynamodb} from an earlier version) to the
 * current schema. In AWS, CloudFormation adds a new index to the table in place; dynalite cannot
 * (its UpdateTable changes throughput only), so locally the items are copied aside into
 * {@code <table>-upgrade}, the table is created again with every index, and the items are copied
 * back. Each step can be interrupted: the next start sees the aside table and finishes the copy
 * back (puts are idempotent) before removing it. What the items need after that is the same
 * listing migration a deployment runs ({@code nixfront cache migrate-index}).
 */
final class LocalTableUpgrade {
    private static final int BATCH = 25;
    private static final Duration DELETE_DEADLINE = Duration.ofMinutes(1);

    private LocalTableUpgrade() {
    }

    /** Creates the table if missing, upgrades it if it lacks an index; true if it was upgraded. */
    static boolean ensure(DynamoDbClient dynamoDb, String table, Clock clock) {
        String aside = table + "-upgrade";
        TableDescription current = describe(dynamoDb, table);
        TableDescription asideTable = describe(dynamoDb, aside);
        if (asideTable != null && current != null && !complete(current)) {
            // Interrupted while copying aside: the original is intact, start over.
            drop(dynamoDb, aside, clock);
            asideTable = null;
        }
        if (asideTable == null) {
            if (current == null || complete(current)) {
                DynamoDbTableSchema.createTableIfMissing(dynamoDb, table, clock);
                return false;
            }
            DynamoDbTableSchema.createTableIfMissing(dynamoDb, aside, clock);
            copy(dynamoDb, table, aside);
            drop(dynamoDb, table, clock);
        }
        DynamoDbTableSchema.createTableIfMissing(dynamoDb, table, clock);
        copy(dynamoDb, aside, table);
        drop(dynamoDb, aside, clock);
        return true;
    }

    /** DeleteTable, then polls until the name is free again (deletion is asynchronous in DynamoDB). */
    private static void drop(DynamoDbClient dynamoDb, String table, Clock clock) {
        dynamoDb.deleteTable(b -> b.tableName(table));
        Instant giveUp = clock.instant().plus(DELETE_DEADLINE);
        while (describe(dynamoDb, table) != null) {
            if (clock.instant().isAfter(giveUp)) {
                throw new IllegalStateException("table " + table + " still exists " + DELETE_DEADLINE + " after DeleteTable");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for table " + table + " to go", e);
            }
        }
    }

    /** Whether the table has every index the schema declares. */
    static boolean complete(TableDescription table) {
        Set<String> has = table.globalSecondaryIndexes().stream()
                .map(GlobalSecondaryIndexDescription::indexName)
                .collect(Collectors.toSet());
        return DynamoDbTableSchema.createTableRequest(table.tableName()).globalSecondaryIndexes().stream()
                .allMatch(index -> has.contains(index.indexName()));
    }

    private static TableDescription describe(DynamoDbClient dynamoDb, String table) {
        try {
            return dynamoDb.describeTable(b -> b.tableName(table)).table();
        } catch (ResourceNotFoundException e) {
            return null;
        }
    }

    /** Every item of {@code from} into {@code to}: a Scan (a local table, once) and batched puts. */
    private static void copy(DynamoDbClient dynamoDb, String from, String to) {
        List<WriteRequest> batch = new ArrayList<>();
        for (Map<String, AttributeValue> item : dynamoDb.scanPaginator(b -> b.tableName(from).consistentRead(true)).items()) {
            batch.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
            if (batch.size() == BATCH) {
                write(dynamoDb, to, batch);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            write(dynamoDb, to, batch);
        }
    }

    private static void write(DynamoDbClient dynamoDb, String table, List<WriteRequest> batch) {
        Map<String, List<WriteRequest>> request = Map.of(table, batch);
        while (!request.isEmpty()) {
            Map<String, List<WriteRequest>> send = request;
            var response = dynamoDb.batchWriteItem(b -> b.requestItems(send));
            request = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
        }
    }
}
