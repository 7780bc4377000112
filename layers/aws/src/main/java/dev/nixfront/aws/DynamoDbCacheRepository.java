package dev.nixfront.aws;

import static dev.nixfront.aws.Items.b;
import static dev.nixfront.aws.Items.bool;
import static dev.nixfront.aws.Items.instant;
import static dev.nixfront.aws.Items.n;
import static dev.nixfront.aws.Items.s;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.GcPolicy;
import dev.nixfront.cache.port.UpstreamCache;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.sign.PublicKey;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.time.Duration;
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
 * priority=40  private=false  createdAt=2026-11-25T17:00:00Z  incarnation=3f9a0c1d2b4e5f60
 * upstreams=https://cache.nixos.org cache.nixos.org-1:6NCH...=\n  (a line per upstream, in order; absent: none)
 * (deletedAt=2026-11-26T09:00:00Z once deletion began: a tombstone)
 * </pre>
 * Creation is a conditional put, so two concurrent creates of one name have one winner: on a new
 * name {@code attribute_not_exists(pk)}, over a tombstone {@code deletedAt = <the one seen>}.
 * Marking deleted and changing the settings are updates conditional on the live incarnation. An
 * item without {@code incarnation} is a cache older than incarnations ({@code ""}); one without
 * {@code upstreams} has none (created before upstreams, or with none).
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

    // public for the capacity simulation in bench
    public static String pk(CacheName name) {
        return "CACHE#" + name.value();
    }

    @Override
    public boolean create(CacheRecord cache, Instant replacing) {
        Map<String, AttributeValue> item = item(cache);
        try {
            if (replacing == null) {
                dynamoDb.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)"));
            } else {
                dynamoDb.putItem(b -> b.tableName(table).item(item).conditionExpression("deletedAt = :seen")
                        .expressionAttributeValues(Map.of(":seen", instant(replacing))));
            }
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
    public boolean markDeleted(CacheName name, String incarnation, Instant at) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":at", instant(at));
        if (!incarnation.isEmpty()) {
            values.put(":incarnation", s(incarnation));
        }
        try {
            dynamoDb.updateItem(b -> b.tableName(table).key(Items.key(pk(name), SK))
                    .updateExpression("SET deletedAt = :at")
                    .conditionExpression("attribute_exists(pk) AND attribute_not_exists(deletedAt) AND " + sameIncarnation(incarnation))
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * {@code SET private, priority}, conditional on the live item of this incarnation: a cache
     * deleted meanwhile, or created again under its name, is left as it is.
     */
    @Override
    public boolean update(CacheRecord current, boolean privateCache, int priority) {
        String incarnation = current.incarnation();
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":private", bool(privateCache));
        values.put(":priority", n(priority));
        values.put(":wasPrivate", bool(current.privateCache()));
        values.put(":wasPriority", n(current.priority()));
        if (!incarnation.isEmpty()) {
            values.put(":incarnation", s(incarnation));
        }
        // Conditional on what was read, so that two updates at once cannot undo each other.
        String condition = "attribute_exists(pk) AND attribute_not_exists(deletedAt) AND " + sameIncarnation(incarnation)
                + " AND #private = :wasPrivate AND #priority = :wasPriority";
        try {
            // PRIVATE is a DynamoDB reserved word, hence the names.
            dynamoDb.updateItem(b -> b.tableName(table).key(Items.key(pk(current.name()), SK))
                    .updateExpression("SET #private = :private, #priority = :priority")
                    .conditionExpression(condition)
                    .expressionAttributeNames(Map.of("#private", "private", "#priority", "priority"))
                    .expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public boolean updateGc(CacheRecord current, GcPolicy policy) {
        String incarnation = current.incarnation();
        Map<String, AttributeValue> values = new HashMap<>();
        Map<String, String> names = new HashMap<>(Map.of("#retention", "retentionSeconds", "#maxSize", "maxSize",
                "#grace", "narGraceSeconds"));
        if (!incarnation.isEmpty()) {
            values.put(":incarnation", s(incarnation));
        }
        StringBuilder condition = new StringBuilder("attribute_exists(pk) AND attribute_not_exists(deletedAt) AND "
                + sameIncarnation(incarnation));
        List<String> set = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        gcField(condition, set, remove, values, "#retention", ":retention", current.gc().retention() == null ? null
                : current.gc().retention().toSeconds(), policy.retention() == null ? null : policy.retention().toSeconds());
        gcField(condition, set, remove, values, "#maxSize", ":maxSize", current.gc().maxSize(), policy.maxSize());
        gcField(condition, set, remove, values, "#grace", ":grace", current.gc().narGrace() == null ? null
                : current.gc().narGrace().toSeconds(), policy.narGrace() == null ? null : policy.narGrace().toSeconds());
        String update = (set.isEmpty() ? "" : "SET " + String.join(", ", set)) + (remove.isEmpty() ? "" : " REMOVE " + String.join(", ", remove));
        try {
            dynamoDb.updateItem(b -> b.tableName(table).key(Items.key(pk(current.name()), SK))
                    .updateExpression(update.strip()).conditionExpression(condition.toString())
                    .expressionAttributeNames(names).expressionAttributeValues(values.isEmpty() ? null : values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** One number of the policy: the condition that it is what was read, and its SET or REMOVE. */
    private static void gcField(StringBuilder condition, List<String> set, List<String> remove, Map<String, AttributeValue> values,
                                String name, String value, Long was, Long wanted) {
        if (was == null) {
            condition.append(" AND attribute_not_exists(").append(name).append(")");
        } else {
            condition.append(" AND ").append(name).append(" = ").append(value).append("Was");
            values.put(value + "Was", n(was));
        }
        if (wanted == null) {
            remove.add(name);
        } else {
            set.add(name + " = " + value);
            values.put(value, n(wanted));
        }
    }

    /**
     * {@code SET upstreams} (or {@code REMOVE} it for none), conditional on the live incarnation
     * still having the list read. The list is one string, a {@code <url> <key>} line per upstream
     * in order, so the condition is a string comparison: DynamoDB stand-ins do not all compare lists.
     */
    @Override
    public boolean updateUpstreams(CacheRecord current, List<UpstreamCache> upstreams) {
        String incarnation = current.incarnation();
        Map<String, AttributeValue> values = new HashMap<>();
        if (!incarnation.isEmpty()) {
            values.put(":incarnation", s(incarnation));
        }
        String was;
        if (current.upstreams().isEmpty()) {
            was = "attribute_not_exists(upstreams)";
        } else {
            was = "upstreams = :was";
            values.put(":was", s(upstreamsText(current.upstreams())));
        }
        String update;
        if (upstreams.isEmpty()) {
            update = "REMOVE upstreams";
        } else {
            update = "SET upstreams = :upstreams";
            values.put(":upstreams", s(upstreamsText(upstreams)));
        }
        try {
            dynamoDb.updateItem(b -> b.tableName(table).key(Items.key(pk(current.name()), SK))
                    .updateExpression(update)
                    .conditionExpression("attribute_exists(pk) AND attribute_not_exists(deletedAt) AND " + sameIncarnation(incarnation)
                            + " AND " + was)
                    .expressionAttributeValues(values.isEmpty() ? null : values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** {@code <url> <key>} per upstream, a line each, in order; neither part holds a space or a newline. */
    private static String upstreamsText(List<UpstreamCache> upstreams) {
        StringBuilder text = new StringBuilder();
        for (UpstreamCache u : upstreams) {
            text.append(u.url()).append(' ').append(u.key()).append('\n');
        }
        return text.toString();
    }

    private static List<UpstreamCache> upstreams(Map<String, AttributeValue> item) {
        String text = Items.optionalString(item, "upstreams");
        if (text == null) {
            return List.of();
        }
        List<UpstreamCache> upstreams = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] parts = line.split(" ");
            try {
                if (parts.length != 2) {
                    throw new IllegalArgumentException("not '<url> <key>'");
                }
                upstreams.add(new UpstreamCache(URI.create(parts[0]), PublicKey.parse(parts[1])));
            } catch (NixFormatException | IllegalArgumentException e) {
                throw Items.corrupt(item, "upstreams");
            }
        }
        return upstreams;
    }

    private static String sameIncarnation(String incarnation) {
        return incarnation.isEmpty() ? "attribute_not_exists(incarnation)" : "incarnation = :incarnation";
    }

    @Override
    public void delete(CacheName name) {
        dynamoDb.deleteItem(b -> b.tableName(table).key(Items.key(pk(name), SK)));
    }

    // public for the capacity simulation in bench
    /** The cache's item as {@link #create} writes it. */
    public static Map<String, AttributeValue> item(CacheRecord cache) {
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
        if (!cache.incarnation().isEmpty()) {
            item.put("incarnation", s(cache.incarnation()));
        }
        Items.putIfNotNull(item, "deletedAt", cache.deletedAt());
        if (cache.gc().retention() != null) {
            item.put("retentionSeconds", n(cache.gc().retention().toSeconds()));
        }
        if (cache.gc().maxSize() != null) {
            item.put("maxSize", n(cache.gc().maxSize()));
        }
        if (cache.gc().narGrace() != null) {
            item.put("narGraceSeconds", n(cache.gc().narGrace().toSeconds()));
        }
        if (!cache.upstreams().isEmpty()) {
            item.put("upstreams", s(upstreamsText(cache.upstreams())));
        }
        return item;
    }

    private static CacheRecord record(Map<String, AttributeValue> item) {
        return new CacheRecord(
                CacheName.of(Items.string(item, "name")),
                Items.string(item, "publicKey"),
                Items.bytes(item, "sealedKey"),
                (int) Items.number(item, "priority"),
                Items.bool(item, "private"),
                Items.instant(item, "createdAt"),
                item.containsKey("incarnation") ? Items.string(item, "incarnation") : CacheRecord.LEGACY_INCARNATION,
                Items.optionalInstant(item, "deletedAt"),
                new GcPolicy(item.containsKey("retentionSeconds") ? Duration.ofSeconds(Items.number(item, "retentionSeconds")) : null,
                        item.containsKey("maxSize") ? Items.number(item, "maxSize") : null,
                        item.containsKey("narGraceSeconds") ? Duration.ofSeconds(Items.number(item, "narGraceSeconds")) : null),
                upstreams(item));
    }
}
