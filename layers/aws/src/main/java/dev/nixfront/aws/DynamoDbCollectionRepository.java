package dev.nixfront.aws;

import static dev.nixfront.aws.Items.n;
import static dev.nixfront.aws.Items.s;

import dev.nixfront.api.GcStatus;
import dev.nixfront.api.InvalidJsonException;
import dev.nixfront.api.Json;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CollectionRepository;
import dev.nixfront.cache.port.GcJob;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The collection of a cache incarnation: one item, a lease while a collection runs and its outcome
 * after.
 * <pre>
 * pk=GC#team.3f9a0c1d2b4e5f60  sk=GC
 * run=5d1c9a0e7b3f2a14  state=running  startedAt=2026-12-01T02:00:00Z  expiresAt=1764555360000
 * status={"cache":"team","run":"5d1c9a0e7b3f2a14","state":"done",...,"report":{...}}   (once finished)
 * </pre>
 * Taking the lease is one PutItem conditional on no collection holding it
 * ({@code attribute_not_exists(pk) OR #state <> :running OR expiresAt < :now}); extending and
 * finishing are UpdateItems conditional on {@code run} and {@code running}, so a run whose lease
 * lapsed and was taken over changes nothing. The outcome keeps a report's lists short (at most
 * 100 paths and 100 NARs, {@link #finish}), far below DynamoDB's 400 KB item.
 */
public final class DynamoDbCollectionRepository implements CollectionRepository {
    private static final String SK = "GC";

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbCollectionRepository(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    static String partition(CacheRecord cache) {
        return "GC#" + DynamoDbPathIndex.owner(cache);
    }

    @Override
    public Optional<GcStatus> start(CacheRecord cache, String run, Instant now, Instant expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>(Items.key(partition(cache), SK));
        item.put("run", s(run));
        item.put("state", s(GcStatus.RUNNING));
        item.put("startedAt", Items.instant(now));
        item.put("expiresAt", n(expiresAt.toEpochMilli()));
        item.put("cache", s(cache.name().value()));
        try {
            dynamoDb.putItem(b -> b.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(pk) OR #state <> :running OR expiresAt < :now")
                    .expressionAttributeNames(Map.of("#state", "state"))
                    .expressionAttributeValues(Map.of(":running", s(GcStatus.RUNNING), ":now", n(now.toEpochMilli()))));
            return Optional.empty();
        } catch (ConditionalCheckFailedException e) {
            // Held: say by whom (read again; if it ended meanwhile, the caller may simply try again).
            return Optional.of(get(cache, now).orElse(new GcStatus(cache.name().value(), "unknown", GcStatus.RUNNING, now, null, null, null)));
        }
    }

    @Override
    public boolean extend(CacheRecord cache, String run, Instant expiresAt) {
        return update(cache, run, "SET expiresAt = :expires", Map.of(":expires", n(expiresAt.toEpochMilli())));
    }

    /**
     * Keeps the outcome with its report's lists cut to {@link GcJob#LISTED} entries: an inline run's
     * report lists up to 1,000 paths and 1,000 NARs, which with long store paths is more than
     * DynamoDB's 400 KB item (found by an outside review: the finish failed after the collection had
     * removed everything, answered 500, and the lease held the cache for its 16 minutes).
     */
    @Override
    public boolean finish(CacheRecord cache, GcStatus outcome) {
        GcStatus kept = outcome.report() == null ? outcome : new GcStatus(outcome.cache(), outcome.run(), outcome.state(),
                outcome.startedAt(), outcome.finishedAt(), outcome.error(), outcome.report().listingAtMost(GcJob.LISTED));
        return update(cache, outcome.run(), "SET #state = :state, #status = :status",
                Map.of(":state", s(kept.state()), ":status", s(Json.write(kept))));
    }

    private boolean update(CacheRecord cache, String run, String update, Map<String, AttributeValue> values) {
        Map<String, AttributeValue> all = new HashMap<>(values);
        all.put(":run", s(run));
        all.put(":running", s(GcStatus.RUNNING));
        try {
            dynamoDb.updateItem(b -> b.tableName(table).key(Items.key(partition(cache), SK))
                    .updateExpression(update)
                    .conditionExpression("#run = :run AND #state = :running")
                    .expressionAttributeNames(update.contains("#status")
                            ? Map.of("#run", "run", "#state", "state", "#status", "status")
                            : Map.of("#run", "run", "#state", "state"))
                    .expressionAttributeValues(all));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public Optional<GcStatus> get(CacheRecord cache, Instant now) {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table).consistentRead(true)
                .key(Items.key(partition(cache), SK))).item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        String state = Items.string(item, "state");
        String status = Items.optionalString(item, "status");
        if (!GcStatus.RUNNING.equals(state) && status != null) {
            try {
                return Optional.of(Json.read(status, GcStatus.class));
            } catch (InvalidJsonException e) {
                throw Items.corrupt(item, "status");
            }
        }
        boolean lapsed = Items.number(item, "expiresAt") < now.toEpochMilli();
        return Optional.of(new GcStatus(cache.name().value(), Items.string(item, "run"), lapsed ? GcStatus.ABANDONED : GcStatus.RUNNING,
                Items.instant(item, "startedAt"), null, null, null));
    }

    @Override
    public void deleteAll(CacheRecord cache) {
        Items.batchDelete(dynamoDb, table, List.of(Items.key(partition(cache), SK)));
    }
}
