package dev.nixfront.aws;

import static dev.nixfront.aws.Items.n;
import static dev.nixfront.aws.Items.s;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PinRecord;
import dev.nixfront.cache.port.PinRepository;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
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
 * Pins, one item each in one partition per cache incarnation, sorted by name:
 * <pre>
 * pk=PINS#team.3f9a0c1d2b4e5f60  sk=release
 * name=release  keepRevisions=3  version=7
 * revisions=[{path=/nix/store/0123...-site-2, pinnedAt=2026-11-25T17:00:00Z}, {path=/nix/store/4567...-site-1, ...}]
 * </pre>
 * A pin is written by hand or by a release job, a few times a day, so one partition per cache is
 * far from its limits, and listing the pins is one Query in name order. Every write is a PutItem
 * conditional on what was read: {@code attribute_not_exists(pk)} for a new pin, else
 * {@code version = <the version read>}; the caller retries with what it reads then. The cache's
 * incarnation is part of the key ({@code PINS#team} for a cache older than incarnations).
 */
public final class DynamoDbPinRepository implements PinRepository {
    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbPinRepository(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    static String partition(CacheRecord cache) {
        return "PINS#" + DynamoDbPathIndex.owner(cache);
    }

    @Override
    public List<PinRecord> list(CacheRecord cache) {
        List<PinRecord> pins = new ArrayList<>();
        dynamoDb.queryPaginator(b -> b.tableName(table).consistentRead(true)
                        .keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", s(partition(cache)))))
                .items().forEach(item -> pins.add(record(item)));
        return pins;
    }

    @Override
    public List<PinRecord> list(CacheRecord cache, String after, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        String condition = after == null ? "pk = :pk" : "pk = :pk AND sk > :after";
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":pk", s(partition(cache))));
        if (after != null) {
            values.put(":after", s(after));
        }
        List<PinRecord> pins = new ArrayList<>();
        for (Map<String, AttributeValue> item : dynamoDb.queryPaginator(b -> b.tableName(table).consistentRead(true)
                .keyConditionExpression(condition).expressionAttributeValues(values).limit(limit)).items()) {
            if (pins.size() == limit) {
                break;
            }
            pins.add(record(item));
        }
        return pins;
    }

    @Override
    public Optional<PinRecord> get(CacheRecord cache, String name) {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table)
                .key(Items.key(partition(cache), name)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(record(item));
    }

    @Override
    public boolean put(CacheRecord cache, PinRecord pin, PinRecord expected) {
        if (expected != null && !expected.name().equals(pin.name())) {
            throw new IllegalArgumentException("pin " + pin.name() + " written over what was read of pin " + expected.name());
        }
        Map<String, AttributeValue> item = item(cache, pin);
        try {
            if (expected == null) {
                dynamoDb.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
            } else {
                dynamoDb.putItem(b -> b.tableName(table).item(item).conditionExpression("version = :read")
                        .expressionAttributeValues(Map.of(":read", n(expected.version()))));
            }
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public boolean delete(CacheRecord cache, String name) {
        try {
            dynamoDb.deleteItem(b -> b.tableName(table).key(Items.key(partition(cache), name))
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

    static Map<String, AttributeValue> item(CacheRecord cache, PinRecord pin) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(DynamoDbTableSchema.PK, s(partition(cache)));
        item.put(DynamoDbTableSchema.SK, s(pin.name()));
        item.put("name", s(pin.name()));
        item.put("keepRevisions", n(pin.keepRevisions()));
        item.put("version", n(pin.version()));
        item.put("revisions", AttributeValue.fromL(pin.revisions().stream()
                .map(r -> AttributeValue.fromM(Map.of("path", s(r.path().toString()), "pinnedAt", Items.instant(r.pinnedAt()))))
                .toList()));
        return item;
    }

    private static PinRecord record(Map<String, AttributeValue> item) {
        AttributeValue revisions = item.get("revisions");
        if (revisions == null || !revisions.hasL()) {
            throw Items.corrupt(item, "revisions");
        }
        try {
            List<PinRecord.Revision> list = new ArrayList<>();
            for (AttributeValue revision : revisions.l()) {
                list.add(new PinRecord.Revision(StorePath.parse(Items.string(revision.m(), "path")),
                        Items.instant(revision.m(), "pinnedAt")));
            }
            return new PinRecord(Items.string(item, "name"), (int) Items.number(item, "keepRevisions"), list,
                    Items.number(item, "version"));
        } catch (NixFormatException | IllegalArgumentException e) {
            throw new IllegalStateException("pin item " + item.get(DynamoDbTableSchema.PK).s() + " " + item.get(DynamoDbTableSchema.SK).s()
                    + " is not a valid pin: " + e.getMessage(), e);
        }
    }
}
