package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/** The table the CDK stack declares and the local stack creates, as dynalite reports it back. */
@ExtendWith(LocalAws.Extension.class)
class DynamoDbTableSchemaTest {
    @Test
    void createsTheSingleTableOnceWithItsListingIndexes(LocalAws aws) {
        var dynamoDb = aws.clients().dynamoDb();
        String name = "nixfront-schema-" + System.nanoTime();

        assertThat(DynamoDbTableSchema.createTableIfMissing(dynamoDb, name, Clock.systemUTC())).isTrue();
        assertThat(DynamoDbTableSchema.createTableIfMissing(dynamoDb, name, Clock.systemUTC())).isFalse();

        var table = dynamoDb.describeTable(b -> b.tableName(name)).table();
        assertThat(table.tableStatus()).isEqualTo(TableStatus.ACTIVE);
        assertThat(table.billingModeSummary().billingMode()).isEqualTo(BillingMode.PAY_PER_REQUEST);
        assertThat(table.keySchema()).extracting(k -> k.attributeName() + ":" + k.keyType())
                .containsExactly("pk:" + KeyType.HASH, "sk:" + KeyType.RANGE);
        assertThat(table.globalSecondaryIndexes()).hasSize(2);
        assertThat(table.globalSecondaryIndexes()).filteredOn(i -> i.indexName().equals("gsi1")).singleElement().satisfies(index -> {
            assertThat(index.keySchema()).extracting(k -> k.attributeName() + ":" + k.keyType())
                    .containsExactly("gsi1pk:" + KeyType.HASH, "gsi1sk:" + KeyType.RANGE);
            assertThat(index.projection().projectionType()).isEqualTo(ProjectionType.ALL);
        });
        // The path listing: keys only, so a path's references are written once, not twice.
        assertThat(table.globalSecondaryIndexes()).filteredOn(i -> i.indexName().equals("gsi2")).singleElement().satisfies(index -> {
            assertThat(index.keySchema()).extracting(k -> k.attributeName() + ":" + k.keyType())
                    .containsExactly("gsi2pk:" + KeyType.HASH, "gsi2sk:" + KeyType.RANGE);
            assertThat(index.projection().projectionType()).isEqualTo(ProjectionType.KEYS_ONLY);
        });
    }
}
