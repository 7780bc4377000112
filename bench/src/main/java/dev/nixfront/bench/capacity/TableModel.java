package dev.nixfront.bench.capacity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;

/**
 * The table as {@code DynamoDbTableSchema.createTableRequest} declares it (its keys, and each global
 * secondary index with its keys and projection), and what reading or writing an item costs on
 * which partition. Reads (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html):
 * 4 KB units per item, halved when eventually consistent, and an absent item still costs the
 * minimum. Writes: 1 KB units per item, the larger of the old and the new item for a put over an
 * existing one; a conditional write whose condition fails costs the existing item (at least 1).
 * Index writes (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes):
 * an entry put when the new item has the index's keys, a delete when the old one had them, both when
 * the keys changed, nothing when no projected attribute changed; each sized as the index keys, the
 * table keys, the projected attributes and 100 bytes of overhead (GSI.html#GSI.StorageConsiderations),
 * in 1 KB units, on the partition of the entry's index partition-key value.
 */
final class TableModel {
    static final String TABLE = "table";
    private static final int INDEX_ENTRY_OVERHEAD = 100;
    private static final long WRITE_UNIT = 1024;
    private static final long READ_UNIT = 4096;

    /** One global secondary index: its key attributes and what it projects. */
    record Index(String name, String partitionKey, String sortKey, ProjectionType projection, Set<String> included) {
        boolean covers(Map<String, AttributeValue> item) {
            return item != null && item.containsKey(partitionKey) && (sortKey == null || item.containsKey(sortKey));
        }

        String describe() {
            return name + " " + partitionKey + (sortKey == null ? "" : "/" + sortKey) + " projection " + projection
                    + (projection == ProjectionType.INCLUDE ? " " + included : "");
        }
    }

    private final List<String> keys;
    private final List<Index> indexes;

    private TableModel(List<String> keys, List<Index> indexes) {
        this.keys = List.copyOf(keys);
        this.indexes = List.copyOf(indexes);
    }

    static TableModel of(CreateTableRequest table) {
        List<Index> indexes = new ArrayList<>();
        for (GlobalSecondaryIndex gsi : table.globalSecondaryIndexes()) {
            Set<String> included = gsi.projection().hasNonKeyAttributes()
                    ? new LinkedHashSet<>(gsi.projection().nonKeyAttributes()) : Set.of();
            indexes.add(new Index(gsi.indexName(), key(gsi.keySchema(), KeyType.HASH), key(gsi.keySchema(), KeyType.RANGE),
                    gsi.projection().projectionType(), included));
        }
        List<String> keys = new ArrayList<>();
        keys.add(key(table.keySchema(), KeyType.HASH));
        String sortKey = key(table.keySchema(), KeyType.RANGE);
        if (sortKey != null) {
            keys.add(sortKey);
        }
        return new TableModel(keys, indexes);
    }

    private static String key(List<KeySchemaElement> schema, KeyType type) {
        return schema.stream().filter(k -> k.keyType() == type).map(KeySchemaElement::attributeName).findFirst().orElse(null);
    }

    List<Index> indexes() {
        return indexes;
    }

    /** e.g. {@code table pk/sk; gsi1 gsi1pk/gsi1sk projection ALL}. */
    String describe() {
        return TABLE + " " + String.join("/", keys) + indexes.stream().map(i -> "; " + i.describe()).collect(Collectors.joining());
    }

    /** A GetItem, or one key of a BatchGetItem, of the item with partition key {@code pk}; {@code item} null when absent. */
    Demand read(String pk, Map<String, AttributeValue> item, boolean consistent) {
        double units = item == null ? 1 : ceil(ItemSize.of(item), READ_UNIT);
        return new Demand(TABLE, pk, Limit.DYNAMODB_READ, consistent ? units : units / 2);
    }

    /**
     * A write that replaced {@code before} (null: there was no item) by {@code after} (null: a
     * delete), on the table and on every index it touches.
     */
    List<Demand> write(String pk, Map<String, AttributeValue> before, Map<String, AttributeValue> after) {
        List<Demand> demands = new ArrayList<>();
        long size = Math.max(before == null ? 0 : ItemSize.of(before), after == null ? 0 : ItemSize.of(after));
        demands.add(new Demand(TABLE, pk, Limit.DYNAMODB_WRITE, Math.max(1, ceil(size, WRITE_UNIT))));
        for (Index index : indexes) {
            Map<String, AttributeValue> old = index.covers(before) ? entry(index, before) : null;
            Map<String, AttributeValue> now = index.covers(after) ? entry(index, after) : null;
            if (Objects.equals(old, now)) {
                continue;
            }
            boolean sameKey = old != null && now != null && old.get(index.partitionKey()).equals(now.get(index.partitionKey()))
                    && (index.sortKey() == null || old.get(index.sortKey()).equals(now.get(index.sortKey())));
            if (old != null && !sameKey) {
                demands.add(indexWrite(index, old));
            }
            if (now != null) {
                demands.add(indexWrite(index, now));
            }
        }
        return demands;
    }

    /** A conditional write whose condition failed: the table is charged for the item it found, and no index is written. */
    Demand failedWrite(String pk, Map<String, AttributeValue> existing) {
        long size = existing == null ? 0 : ItemSize.of(existing);
        return new Demand(TABLE, pk, Limit.DYNAMODB_WRITE, Math.max(1, ceil(size, WRITE_UNIT)));
    }

    private static Demand indexWrite(Index index, Map<String, AttributeValue> entry) {
        return new Demand(index.name(), entry.get(index.partitionKey()).s(), Limit.DYNAMODB_WRITE,
                ceil(ItemSize.of(entry) + INDEX_ENTRY_OVERHEAD, WRITE_UNIT));
    }

    /** What the index holds for {@code item}: its keys, the table's keys and the projected attributes. */
    private Map<String, AttributeValue> entry(Index index, Map<String, AttributeValue> item) {
        if (index.projection() == ProjectionType.ALL) {
            return item;
        }
        Map<String, AttributeValue> entry = new HashMap<>();
        List<String> names = new ArrayList<>(keys);
        names.add(index.partitionKey());
        if (index.sortKey() != null) {
            names.add(index.sortKey());
        }
        if (index.projection() == ProjectionType.INCLUDE) {
            names.addAll(index.included());
        }
        for (String name : names) {
            AttributeValue value = item.get(name);
            if (value != null) {
                entry.put(name, value);
            }
        }
        return entry;
    }

    private static long ceil(long size, long unit) {
        return (size + unit - 1) / unit;
    }
}
