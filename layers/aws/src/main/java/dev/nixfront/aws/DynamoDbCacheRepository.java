package dev.nixfront.aws;

import static dev.nixfront.aws.Items.b;
import static dev.nixfront.aws.Items.bool;
import static dev.nixfront.aws.Items.instant;
import static dev.nixfront.aws.Items.n;
import static dev.nixfront.aws.Items.s;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Caches in the single table, one item each:
 * <pre>
 * pk=CACHE#team  sk=CACHE  gsi1pk=CACHES  gsi1sk=team
 * name=team  publicKey=team-1:rAWTx0noOtf7tqHO5iDnsH7gGNVdQYl99oaJk2gydic=  sealedKey=(B)
 * priority=40  private=false  createdAt=2026-11-25T17:00:00Z
 * </pre>
 * Creation is a conditional put, so two concurrent creates of one name have one winner.
 */
public final class DynamoDbCacheRepository implements CacheRepository {
    static final String SK = "CACHE";
    static final String LISTING = "CACHES";

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbCacheRepository(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    static String pk(CacheName name) {
        return "CACHE#" + name.value();
    }

    @Override
    public boolean create(CacheRecord cache) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(DynamoDbTableSchema.PK, s(pk(cache.name())));
        item.put(DynamoDbTableSchema.SK, s(SK));
        item.put(DynamoDbTableSchema.GSI1_PK, s(LISTING));
        item.put(DynamoDbTableSchema.GSI1_SK, s(cache.name().value()));
        item.put("name", s(cache.name().value()));
        item.put("publicKey", s(cache.publicKey()));
        item.put("sealedKey", b(cache.sealedKey()));
        item.put("priority", n(cache.priority()));
        item.put("private", bool(cache.privateCache()));
        item.put("createdAt", instant(cache.createdAt()));
        try {
            dynamoDb.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public Optional<CacheRecord> get(CacheName name) {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table)
                .key(Items.key(pk(name), SK)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(record(item));
    }

    @Override
    public List<CacheRecord> list() {
        List<CacheRecord> caches = new ArrayList<>();
        dynamoDb.queryPaginator(b -> b.tableName(table).indexName(DynamoDbTableSchema.GSI1)
                        .keyConditionExpression("gsi1pk = :listing")
                        .expressionAttributeValues(Map.of(":listing", s(LISTING))))
                .items().forEach(item -> caches.add(record(item)));
        return caches;
    }

    @Override
    public void delete(CacheName name) {
        dynamoDb.deleteItem(b -> b.tableName(table).key(Items.key(pk(name), SK)));
    }

    private static CacheRecord record(Map<String, AttributeValue> item) {
        return new CacheRecord(
                CacheName.of(Items.string(item, "name")),
                Items.string(item, "publicKey"),
                Items.bytes(item, "sealedKey"),
                (int) Items.number(item, "priority"),
                Items.bool(item, "private"),
                Items.instant(item, "createdAt"));
    }
}
