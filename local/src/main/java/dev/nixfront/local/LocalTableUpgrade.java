package dev.nixfront.local;

import dev.nixfront.aws.DynamoDbTableSchema;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Brings a local stack's table, kept under {@code DIR/dynamodb} by an earlier version, to the
 * current schema. In AWS, CloudFormation adds a new index to the table in place; dynalite cannot
 * (its UpdateTable changes throughput only). So the local stack's table has a versioned name, and
 * a start that finds the table of an earlier version copies every item into the current one, then
 * writes a marker item, and only then drops the old table.
 *
 * <p>Every step may be interrupted (the stack stopped, the machine off) without losing an item:
 * the old table is read until the marker exists and dropped only after it, a copy that was cut
 * short is simply made again (puts are idempotent), and an old table left half-dropped by dynalite
 * is never read again once the marker is there. A first design that dropped and re-created the
 * table under one name could lose everything if stopped mid-drop (found by an outside review).
 * What the items need after that is the listing migration every start runs.
 */
final class LocalTableUpgrade {
    /** The marker's keys: outside every item type (no index keys), so no listing ever sees it. */
    static final String MARKER_PK = "LOCAL#upgrade";
    private static final int BATCH = 25;

    private LocalTableUpgrade() {
    }

    /**
     * Creates {@code table} if missing, filling it from {@code previous} (the table of an earlier
     * version) when that exists and the copy is not known to be complete.
     *
     * @return true if items were copied from {@code previous}
     */
    static boolean ensure(DynamoDbClient dynamoDb, String table, String previous, Clock clock) {
        DynamoDbTableSchema.createTableIfMissing(dynamoDb, table, clock);
        Map<String, AttributeValue> marker = Map.of(
                DynamoDbTableSchema.PK, AttributeValue.fromS(MARKER_PK),
                DynamoDbTableSchema.SK, AttributeValue.fromS("FROM#" + previous));
        boolean complete = dynamoDb.getItem(b -> b.tableName(table).key(marker).consistentRead(true)).hasItem();
        TableDescription old = describe(dynamoDb, previous);
        boolean readable = old != null && old.tableStatus() == TableStatus.ACTIVE;
        boolean copied = false;
        if (!complete && readable) {
            copy(dynamoDb, previous, table);
            dynamoDb.putItem(b -> b.tableName(table).item(marker));
            complete = true;
            copied = true;
        }
        // Only once the marker says every item is in the new table; a drop cut short leaves a
        // table that is never read again.
        if (complete && readable) {
            dynamoDb.deleteTable(b -> b.tableName(previous));
        }
        return copied;
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
