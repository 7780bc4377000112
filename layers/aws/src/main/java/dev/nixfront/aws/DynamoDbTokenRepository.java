package dev.nixfront.aws;

import static dev.nixfront.aws.Items.instant;
import static dev.nixfront.aws.Items.s;

import dev.nixfront.cache.port.Scope;
import dev.nixfront.cache.port.TokenRecord;
import dev.nixfront.cache.port.TokenRepository;
import java.time.Instant;
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
 * Tokens in the single table, keyed by the SHA-256 of their secret so that checking a presented
 * token is one GetItem; the id is the listing key:
 * <pre>
 * pk=TOKEN#9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  sk=TOKEN
 * gsi1pk=TOKENS  gsi1sk=tk_3f9a0c1d2b4e5f60
 * id=tk_3f9a0c1d2b4e5f60  secretHash=9f86...  description=ci  caches=[team]  permissions=[write]
 * createdAt=2026-11-25T17:00:00Z  expiresAt=2027-01-01T00:00:00Z  (revokedAt once revoked)
 * createdBy=tk_bootstrap  makerHash=60303ae2...  (absent on the bootstrap token and on older tokens)
 * </pre>
 * and, for each token with a maker, a note in the maker's partition, outside gsi1, so that the
 * tokens a token made are one strongly consistent Query (revocation marks them revoked too):
 * <pre>
 * pk=TOKEN#60303ae2...  sk=MADE#9f86d081...  id=tk_3f9a0c1d2b4e5f60
 * </pre>
 * The note is written before the token: a token never exists unnoted, and a note whose token
 * was never written (a failure between the two PutItems) finds nothing to revoke.
 * Expiry is checked by the caller on read ({@link TokenRecord#activeAt}); DynamoDB TTL is not used.
 */
public final class DynamoDbTokenRepository implements TokenRepository {
    static final String SK = "TOKEN";
    static final String LISTING = "TOKENS";
    static final String MADE = "MADE#";

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbTokenRepository(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    static String pk(String secretHash) {
        return "TOKEN#" + secretHash;
    }

    @Override
    public void create(TokenRecord token) {
        if (token.maker() != null) {
            // Unconditional: the note says only that this hash was made by that one, so writing it
            // twice is harmless, and it must exist before the token does.
            dynamoDb.putItem(b -> b.tableName(table).item(Map.of(
                    DynamoDbTableSchema.PK, s(pk(token.maker().secretHash())),
                    DynamoDbTableSchema.SK, s(MADE + token.secretHash()),
                    "id", s(token.id()))));
        }
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(DynamoDbTableSchema.PK, s(pk(token.secretHash())));
        item.put(DynamoDbTableSchema.SK, s(SK));
        item.put(DynamoDbTableSchema.GSI1_PK, s(LISTING));
        item.put(DynamoDbTableSchema.GSI1_SK, s(token.id()));
        item.put("id", s(token.id()));
        item.put("secretHash", s(token.secretHash()));
        Items.putIfNotNull(item, "description", token.description());
        item.put("caches", Items.list(token.scope().cacheList()));
        item.put("permissions", Items.list(token.scope().permissionList()));
        item.put("createdAt", instant(token.createdAt()));
        Items.putIfNotNull(item, "expiresAt", token.expiresAt());
        Items.putIfNotNull(item, "revokedAt", token.revokedAt());
        if (!token.incarnations().isEmpty()) {
            Map<String, AttributeValue> bound = new HashMap<>();
            token.incarnations().forEach((cache, incarnation) -> bound.put(cache, s(incarnation)));
            item.put("incarnations", AttributeValue.fromM(bound));
        }
        if (token.maker() != null) {
            item.put("createdBy", s(token.maker().id()));
            item.put("makerHash", s(token.maker().secretHash()));
        }
        try {
            dynamoDb.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
        } catch (ConditionalCheckFailedException e) {
            throw new IllegalStateException("a token with this secret hash exists already (id " + token.id() + ")", e);
        }
    }

    @Override
    public Optional<TokenRecord> findBySecretHash(String sha256Hex) {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table)
                .key(Items.key(pk(sha256Hex), SK)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(record(item));
    }

    /** Query gsi1 {@code gsi1pk = TOKENS AND gsi1sk > :after}, pages followed until {@code limit} items. */
    @Override
    public List<TokenRecord> list(String after, int limit) {
        List<TokenRecord> tokens = new ArrayList<>();
        String condition = after == null ? "gsi1pk = :listing" : "gsi1pk = :listing AND gsi1sk > :after";
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":listing", s(LISTING)));
        if (after != null) {
            values.put(":after", s(after));
        }
        for (Map<String, AttributeValue> item : dynamoDb.queryPaginator(b -> b.tableName(table)
                .indexName(DynamoDbTableSchema.GSI1).keyConditionExpression(condition).expressionAttributeValues(values)
                .limit(limit)).items()) {
            if (tokens.size() == limit) {
                break;
            }
            tokens.add(record(item));
        }
        return tokens;
    }

    /** A query of gsi1 on {@code TOKENS} and the id: one item, or one per value of the bootstrap token. */
    @Override
    public List<TokenRecord> findById(String id) {
        return dynamoDb.query(b -> b.tableName(table)
                        .indexName(DynamoDbTableSchema.GSI1)
                        .keyConditionExpression("gsi1pk = :listing AND gsi1sk = :id")
                        .expressionAttributeValues(Map.of(":listing", s(LISTING), ":id", s(id))))
                .items().stream().map(DynamoDbTokenRepository::record).toList();
    }

    /** A strongly consistent Query of the maker's partition for its {@code MADE#} notes. */
    @Override
    public List<String> madeBy(String makerSecretHash) {
        List<String> made = new ArrayList<>();
        dynamoDb.queryPaginator(b -> b.tableName(table).consistentRead(true)
                        .keyConditionExpression("pk = :pk AND begins_with(sk, :made)")
                        .expressionAttributeValues(Map.of(":pk", s(pk(makerSecretHash)), ":made", s(MADE)))
                        .projectionExpression("sk"))
                .items().forEach(item -> made.add(Items.string(item, DynamoDbTableSchema.SK).substring(MADE.length())));
        return made;
    }

    /** Sets {@code revokedAt} conditionally, so a second revoke keeps the first time. */
    @Override
    public void revokeHash(String secretHash, Instant at) {
        try {
            dynamoDb.updateItem(b -> b.tableName(table).key(Items.key(pk(secretHash), SK))
                    .updateExpression("SET revokedAt = :at")
                    .conditionExpression("attribute_exists(pk) AND attribute_not_exists(revokedAt)")
                    .expressionAttributeValues(Map.of(":at", instant(at))));
        } catch (ConditionalCheckFailedException e) {
            // already revoked (the first revocation time stands), or no such token
        }
    }

    /** The caches' incarnations the token is bound to; none on tokens older than incarnations. */
    private static Map<String, String> incarnations(Map<String, AttributeValue> item) {
        AttributeValue bound = item.get("incarnations");
        if (bound == null) {
            return Map.of();
        }
        Map<String, String> incarnations = new HashMap<>();
        bound.m().forEach((cache, incarnation) -> incarnations.put(cache, incarnation.s()));
        return incarnations;
    }

    private static TokenRecord record(Map<String, AttributeValue> item) {
        return new TokenRecord(
                Items.string(item, "id"),
                Items.string(item, "secretHash"),
                Items.optionalString(item, "description"),
                Scope.fromLists(Items.strings(item, "caches"), Items.strings(item, "permissions")),
                Items.instant(item, "createdAt"),
                Items.optionalInstant(item, "expiresAt"),
                Items.optionalInstant(item, "revokedAt"),
                maker(item),
                incarnations(item));
    }

    private static TokenRecord.Maker maker(Map<String, AttributeValue> item) {
        String id = Items.optionalString(item, "createdBy");
        String hash = Items.optionalString(item, "makerHash");
        if (id == null && hash == null) {
            return null;
        }
        if (id == null || hash == null) {
            throw Items.corrupt(item, id == null ? "createdBy" : "makerHash");
        }
        return new TokenRecord.Maker(id, hash);
    }
}
