package dev.nixfront.aws;

import static dev.nixfront.aws.Items.n;
import static dev.nixfront.aws.Items.s;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.TokenRecord;
import dev.nixfront.cache.port.TrustRecord;
import dev.nixfront.cache.port.TrustRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * A cache's OpenID Connect trusts, one item each in one partition per cache incarnation:
 * <pre>
 * pk=TRUSTS#team.3f9a0c1d2b4e5f60  sk=tr_9c1d2b4e5f603f9a
 * id=tr_9c1d2b4e5f603f9a  issuer=https://token.actions.githubusercontent.com  audience=nixfront
 * subject=repo:acme/site:ref:refs/heads/main  ttlSeconds=3600  createdAt=2026-11-25T17:00:00Z
 * createdBy=tk_bootstrap  makerHash=5e88...
 * </pre>
 * A cache has at most twenty, read with one strongly consistent Query per exchange. Keyed by
 * incarnation like pins ({@code TRUSTS#team} for a cache older than incarnations), so a cache
 * created again has none, and swept with the cache.
 */
public final class DynamoDbTrustRepository implements TrustRepository {
    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbTrustRepository(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    static String partition(CacheRecord cache) {
        return "TRUSTS#" + DynamoDbPathIndex.owner(cache);
    }

    @Override
    public List<TrustRecord> list(CacheRecord cache) {
        List<TrustRecord> trusts = new ArrayList<>();
        dynamoDb.queryPaginator(b -> b.tableName(table).consistentRead(true)
                        .keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", s(partition(cache)))))
                .items().forEach(item -> trusts.add(record(item)));
        return trusts;
    }

    @Override
    public void create(CacheRecord cache, TrustRecord trust) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(DynamoDbTableSchema.PK, s(partition(cache)));
        item.put(DynamoDbTableSchema.SK, s(trust.id()));
        item.put("id", s(trust.id()));
        item.put("issuer", s(trust.issuer()));
        item.put("subject", s(trust.subject()));
        item.put("audience", s(trust.audience()));
        item.put("ttlSeconds", n(trust.ttl().toSeconds()));
        item.put("createdAt", Items.instant(trust.createdAt()));
        item.put("createdBy", s(trust.maker().id()));
        item.put("makerHash", s(trust.maker().secretHash()));
        try {
            dynamoDb.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
        } catch (ConditionalCheckFailedException e) {
            throw new IllegalStateException("trust " + trust.id() + " exists", e);
        }
    }

    @Override
    public boolean delete(CacheRecord cache, String id) {
        try {
            dynamoDb.deleteItem(b -> b.tableName(table).key(Items.key(partition(cache), id))
                    .conditionExpression("attribute_exists(pk)"));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public void deleteAll(CacheRecord cache) {
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        dynamoDb.queryPaginator(b -> b.tableName(table).consistentRead(true)
                        .keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", s(partition(cache))))
                        .projectionExpression("pk, sk"))
                .items().forEach(keys::add);
        Items.batchDelete(dynamoDb, table, keys);
    }

    private static TrustRecord record(Map<String, AttributeValue> item) {
        try {
            return new TrustRecord(Items.string(item, "id"), Items.string(item, "issuer"), Items.string(item, "subject"),
                    Items.string(item, "audience"), Duration.ofSeconds(Items.number(item, "ttlSeconds")),
                    Items.instant(item, "createdAt"),
                    new TokenRecord.Maker(Items.string(item, "createdBy"), Items.string(item, "makerHash")));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("trust item " + item.get(DynamoDbTableSchema.PK).s() + " " + item.get(DynamoDbTableSchema.SK).s()
                    + " is not a valid trust: " + e.getMessage(), e);
        }
    }
}
