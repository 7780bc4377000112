package dev.nixfront.aws;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * The one table every nixfront item lives in: string keys {@code pk}/{@code sk} and two global
 * secondary indexes. {@code gsi1} ({@code gsi1pk}/{@code gsi1sk}, all attributes projected) lists
 * caches and tokens, small items read whole at a few writes a second. {@code gsi2}
 * ({@code gsi2pk}/{@code gsi2sk}, keys only) lists a cache's paths, sharded ({@link PathListing}):
 * a path item carries references of up to 200 KB, which an index projecting everything would write
 * a second time into one partition per cache. On-demand billing. The CDK stack declares the same
 * shape; the local stack and the tests create it with {@link #createTableIfMissing}.
 */
public final class DynamoDbTableSchema {
    private static final Duration ACTIVE_DEADLINE = Duration.ofMinutes(5);
    public static final String PK = "pk";
    public static final String SK = "sk";
    public static final String GSI1 = "gsi1";
    public static final String GSI1_PK = "gsi1pk";
    public static final String GSI1_SK = "gsi1sk";
    public static final String GSI2 = "gsi2";
    public static final String GSI2_PK = "gsi2pk";
    public static final String GSI2_SK = "gsi2sk";

    private DynamoDbTableSchema() {
    }

    public static CreateTableRequest createTableRequest(String tableName) {
        return CreateTableRequest.builder()
                .tableName(tableName)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        string(PK), string(SK), string(GSI1_PK), string(GSI1_SK), string(GSI2_PK), string(GSI2_SK))
                .keySchema(hash(PK), range(SK))
                .globalSecondaryIndexes(
                        GlobalSecondaryIndex.builder()
                                .indexName(GSI1)
                                .keySchema(hash(GSI1_PK), range(GSI1_SK))
                                .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
                                .build(),
                        GlobalSecondaryIndex.builder()
                                .indexName(GSI2)
                                .keySchema(hash(GSI2_PK), range(GSI2_SK))
                                .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build())
                                .build())
                .build();
    }

    /**
     * Creates the table unless it exists and waits until it is ACTIVE, for at most 5 minutes by
     * {@code clock}.
     *
     * @return true if this call created it
     */
    public static boolean createTableIfMissing(DynamoDbClient dynamoDb, String tableName, Clock clock) {
        boolean created;
        try {
            dynamoDb.createTable(createTableRequest(tableName));
            created = true;
        } catch (ResourceInUseException e) {
            created = false;
        }
        awaitActive(dynamoDb, tableName, ACTIVE_DEADLINE, clock);
        return created;
    }

    /**
     * Polls DescribeTable from 20 ms up to 1 s apart. Not the SDK's waiter: it sleeps 20 s after
     * its first look, which dynalite (ACTIVE a moment after CreateTable) makes it pay on every start.
     */
    static void awaitActive(DynamoDbClient dynamoDb, String tableName, Duration deadline, Clock clock) {
        Instant giveUp = clock.instant().plus(deadline);
        long pause = 20;
        while (true) {
            TableStatus status = dynamoDb.describeTable(b -> b.tableName(tableName)).table().tableStatus();
            if (status == TableStatus.ACTIVE) {
                return;
            }
            if (status != TableStatus.CREATING && status != TableStatus.UPDATING) {
                throw new IllegalStateException("table " + tableName + " is " + status);
            }
            if (clock.instant().isAfter(giveUp)) {
                throw new IllegalStateException("table " + tableName + " still " + status + " after " + deadline);
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for table " + tableName, e);
            }
            pause = Math.min(1_000, pause * 2);
        }
    }

    private static AttributeDefinition string(String name) {
        return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
    }

    private static KeySchemaElement hash(String name) {
        return KeySchemaElement.builder().attributeName(name).keyType(KeyType.HASH).build();
    }

    private static KeySchemaElement range(String name) {
        return KeySchemaElement.builder().attributeName(name).keyType(KeyType.RANGE).build();
    }
}
