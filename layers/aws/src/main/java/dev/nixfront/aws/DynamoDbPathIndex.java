package dev.nixfront.aws;

import static dev.nixfront.aws.Items.instant;
import static dev.nixfront.aws.Items.n;
import static dev.nixfront.aws.Items.s;

import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PathRecord;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.Compression;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import dev.nixfront.nix.sign.NarSignature;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Store paths in the single table, one item per path and cache, holding every narinfo field so the
 * item alone can answer a status query:
 * <pre>
 * pk=PATH#team.3f9a0c1d2b4e5f60#0123456789abcdfghijklmnpqrsvwxyz  sk=PATH
 * gsi2pk=PATHS#team.3f9a0c1d2b4e5f60#z  gsi2sk=0123456789abcdfghijklmnpqrsvwxyz
 * storePath=/nix/store/0123456789abcdfghijklmnpqrsvwxyz-hi  url=nar/h/1xmr8j...sm8h.nar  compression=none
 * fileHash=sha256:1xmr8j...sm8h  fileSize=120  narHash=sha256:1xmr8j...sm8h  narSize=120
 * references=[0123456789abcdfghijklmnpqrsvwxyz-hi]  (deriver, ca when known)  sigs=[team-1:...]
 * state=published  (reason when rejected, attempt when verifying)  updatedAt=2026-11-25T17:00:00Z
 * </pre>
 * The cache's incarnation is part of both keys (a cache older than incarnations keeps
 * {@code PATH#team#...} and {@code PATHS#team#<shard>}; cache names have no dot), so the items of a
 * deleted cache are never those of a cache created again under its name.
 * "Which of these are missing" is BatchGetItem, 100 keys per call; the gsi2 entry (keys only, in one
 * of 32 shards: {@link PathListing}) exists so a cache's paths can be listed without a scan. Items
 * written before the listing was sharded are listed in gsi1 ({@code gsi1pk=PATHS#<owner>}, every
 * attribute projected) until {@link #migrateListing} moves them.
 */
public final class DynamoDbPathIndex implements PathIndex {
    static final String SK = "PATH";
    /** Listing queries at once: the 32 shards and the legacy partition, each its own index partition. */
    private static final int LISTING_PARALLELISM = 8;
    /** Rounds of list-and-delete before deletion gives up (the caller can repeat it): two suffice unless writers keep adding. */
    private static final int MAX_DELETE_ROUNDS = 5;
    /** Migration writes at once: each also deletes an entry of the one legacy gsi1 partition. */
    private static final int MIGRATION_PARALLELISM = 8;

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbPathIndex(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    /** {@code <cache>.<incarnation>}, or just {@code <cache>} for a cache older than incarnations. */
    static String owner(CacheRecord cache) {
        return cache.incarnation().isEmpty() ? cache.name().value() : cache.name().value() + "." + cache.incarnation();
    }

    // public for the capacity simulation in bench
    public static String pk(CacheRecord cache, StorePathHash hash) {
        return "PATH#" + owner(cache) + "#" + hash.value();
    }


    @Override
    public Map<StorePathHash, PathRecord> get(CacheRecord cache, Collection<StorePathHash> hashes) {
        List<Map<String, AttributeValue>> keys = new LinkedHashSet<>(hashes).stream()
                .map(h -> Items.key(pk(cache, h), SK))
                .toList();
        Map<StorePathHash, PathRecord> found = new HashMap<>();
        for (Map<String, AttributeValue> item : Items.batchGet(dynamoDb, table, keys)) {
            PathRecord record = record(item);
            found.put(record.hash(), record);
        }
        return found;
    }

    @Override
    public boolean putUnlessPublished(CacheRecord cache, PathRecord record) {
        Map<String, AttributeValue> item = item(cache, record);
        try {
            dynamoDb.putItem(b -> b.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(pk) OR NOT (#state IN (:published, :deleting))")
                    .expressionAttributeNames(Map.of("#state", "state"))
                    .expressionAttributeValues(Map.of(":published", s(PathState.PUBLISHED.wire()),
                            ":deleting", s(PathState.DELETING.wire()))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public boolean putRejected(CacheRecord cache, PathRecord rejected, PathRecord examined) {
        if (rejected.state() != PathState.REJECTED) {
            throw new IllegalArgumentException("putRejected writes rejected records only");
        }
        Map<String, AttributeValue> item = item(cache, rejected);
        Map<String, String> names = new HashMap<>(Map.of("#state", "state"));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":rejected", s(PathState.REJECTED.wire())));
        String condition = "attribute_not_exists(pk) OR #state = :rejected";
        if (examined != null && examined.state() == PathState.VERIFYING) {
            names.put("#attempt", "attempt");
            values.put(":verifying", s(PathState.VERIFYING.wire()));
            if (examined.attempt() == null) {
                // An item from before attempts were recorded: it can only be the one examined if it still has none.
                condition += " OR (#state = :verifying AND attribute_not_exists(#attempt))";
            } else {
                values.put(":attempt", s(examined.attempt()));
                condition += " OR (#state = :verifying AND #attempt = :attempt)";
            }
        }
        String expression = condition;
        try {
            dynamoDb.putItem(b -> b.tableName(table).item(item).conditionExpression(expression)
                    .expressionAttributeNames(names).expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public List<StorePathHash> listHashes(CacheRecord cache) {
        Set<StorePathHash> hashes = new LinkedHashSet<>();
        for (Map<String, AttributeValue> key : listed(cache)) {
            String pk = key.get(DynamoDbTableSchema.PK).s();
            hashes.add(new StorePathHash(pk.substring(pk.lastIndexOf('#') + 1)));
        }
        return List.copyOf(hashes);
    }

    @Override
    public boolean markCollecting(CacheRecord cache, PathRecord seen, String run) {
        return transition(cache, seen.hash(), "SET #state = :to, #attempt = :run",
                "#state = :published AND #updatedAt = :updatedAt",
                Map.of(":to", s(PathState.COLLECTING.wire()), ":run", s(run), ":published", s(PathState.PUBLISHED.wire()),
                        ":updatedAt", instant(seen.updatedAt())));
    }

    @Override
    public boolean revive(CacheRecord cache, StorePathHash hash) {
        return transition(cache, hash, "SET #state = :to REMOVE #attempt", "#state = :collecting",
                Map.of(":to", s(PathState.PUBLISHED.wire()), ":collecting", s(PathState.COLLECTING.wire())));
    }

    @Override
    public boolean markDeleting(CacheRecord cache, StorePathHash hash, String run) {
        return transition(cache, hash, "SET #state = :to", "#state = :collecting AND #attempt = :run",
                Map.of(":to", s(PathState.DELETING.wire()), ":collecting", s(PathState.COLLECTING.wire()), ":run", s(run)));
    }

    @Override
    public boolean deleteDeleting(CacheRecord cache, StorePathHash hash, String run) {
        try {
            dynamoDb.deleteItem(b -> b.tableName(table).key(Items.key(pk(cache, hash), SK))
                    .conditionExpression("#state = :deleting AND #attempt = :run")
                    .expressionAttributeNames(Map.of("#state", "state", "#attempt", "attempt"))
                    .expressionAttributeValues(Map.of(":deleting", s(PathState.DELETING.wire()), ":run", s(run))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /** One conditional UpdateItem of a path item's state; false when the condition does not hold (an absent item never does). */
    private boolean transition(CacheRecord cache, StorePathHash hash, String update, String condition,
                               Map<String, AttributeValue> values) {
        Map<String, String> names = new HashMap<>(Map.of("#state", "state"));
        if (update.contains("#attempt") || condition.contains("#attempt")) {
            names.put("#attempt", "attempt");
        }
        if (condition.contains("#updatedAt")) {
            names.put("#updatedAt", "updatedAt");
        }
        try {
            dynamoDb.updateItem(b -> b.tableName(table).key(Items.key(pk(cache, hash), SK))
                    .updateExpression(update).conditionExpression("attribute_exists(pk) AND " + condition)
                    .expressionAttributeNames(names).expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public void delete(CacheRecord cache, StorePathHash hash) {
        dynamoDb.deleteItem(b -> b.tableName(table).key(Items.key(pk(cache, hash), SK)));
    }

    /**
     * Lists the cache's items, keys only, and deletes them in batches of 25, round after round
     * until a round lists nothing. A round reads the legacy gsi1 partition first and then the 32
     * shards in parallel: an item the listing migration moves meanwhile leaves the legacy partition
     * before it enters a shard, so reading in that order cannot miss it (reading both side by side
     * could, found by an outside review), and an index read that lags is caught by the next round.
     * An item written into the cache after its deletion began is its publisher's to remove: it
     * finds the cache marked deleted.
     */
    @Override
    public void deleteAll(CacheRecord cache) {
        for (int round = 1; ; round++) {
            List<Map<String, AttributeValue>> keys = listed(cache);
            if (keys.isEmpty()) {
                return;
            }
            if (round == MAX_DELETE_ROUNDS) {
                throw new IllegalStateException("cache " + cache.name() + " still lists " + keys.size() + " path items after "
                        + MAX_DELETE_ROUNDS + " rounds of deletion; deleting it again goes on");
            }
            Items.batchDelete(dynamoDb, table, keys);
        }
    }

    /**
     * Moves up to {@code limit} items of the cache from the legacy gsi1 listing into the sharded
     * gsi2 one: per item one UpdateItem {@code SET gsi2pk, gsi2sk REMOVE gsi1pk, gsi1sk} on the
     * condition that it is still listed where it was found, so an item deleted or moved meanwhile is
     * left alone (never recreated as a stub). Each moved item leaves the legacy partition, so the
     * next call queries it again from the start: resuming needs no cursor. The index read may lag
     * a moment behind the moves, so entries already moved count as handled: a caller that stops at
     * 0 stops only once the legacy partition reads empty.
     *
     * @return how many entries this call found and handled; 0 when the legacy listing is empty
     */
    @Override
    public int migrateListing(CacheRecord cache, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        String legacy = PathListing.legacyPartition(cache);
        List<Callable<Boolean>> moves = new ArrayList<>();
        for (Map<String, AttributeValue> key : keys(DynamoDbTableSchema.GSI1, DynamoDbTableSchema.GSI1_PK, legacy, limit)) {
            moves.add(() -> move(cache, key, legacy));
        }
        Parallel.all(moves, MIGRATION_PARALLELISM);
        return moves.size();
    }

    /** One item's move; false, changing nothing, when it is no longer listed under {@code legacy}. */
    boolean move(CacheRecord cache, Map<String, AttributeValue> key, String legacy) {
        String pk = key.get(DynamoDbTableSchema.PK).s();
        StorePathHash hash = new StorePathHash(pk.substring(pk.lastIndexOf('#') + 1));
        try {
            dynamoDb.updateItem(b -> b.tableName(table).key(key)
                    .updateExpression("SET #lpk = :partition, #lsk = :hash REMOVE #opk, #osk")
                    .conditionExpression("#opk = :legacy")
                    .expressionAttributeNames(Map.of(
                            "#lpk", DynamoDbTableSchema.GSI2_PK, "#lsk", DynamoDbTableSchema.GSI2_SK,
                            "#opk", DynamoDbTableSchema.GSI1_PK, "#osk", DynamoDbTableSchema.GSI1_SK))
                    .expressionAttributeValues(Map.of(
                            ":partition", s(PathListing.partition(cache, hash)),
                            ":hash", s(hash.value()),
                            ":legacy", s(legacy))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * The keys of every path item of the cache: the legacy gsi1 partition first, then the 32 shards
     * in parallel (in that order, so an item the listing migration moves meanwhile is not missed).
     */
    private List<Map<String, AttributeValue>> listed(CacheRecord cache) {
        List<Map<String, AttributeValue>> keys = new ArrayList<>(
                keys(DynamoDbTableSchema.GSI1, DynamoDbTableSchema.GSI1_PK, PathListing.legacyPartition(cache), 0));
        List<Callable<List<Map<String, AttributeValue>>>> shards = new ArrayList<>();
        for (String shard : PathListing.SHARDS) {
            shards.add(() -> keys(DynamoDbTableSchema.GSI2, DynamoDbTableSchema.GSI2_PK, PathListing.partition(cache, shard), 0));
        }
        for (List<Map<String, AttributeValue>> listed : Parallel.all(shards, LISTING_PARALLELISM)) {
            keys.addAll(listed);
        }
        return keys;
    }

    /** The table keys listed under one index partition, all of them ({@code limit} 0) or at most {@code limit}. */
    private List<Map<String, AttributeValue>> keys(String index, String partitionAttribute, String partition, int limit) {
        List<Map<String, AttributeValue>> keys = new ArrayList<>();
        var pages = dynamoDb.queryPaginator(b -> {
            b.tableName(table).indexName(index)
                    .keyConditionExpression("#partition = :partition")
                    .expressionAttributeNames(Map.of("#partition", partitionAttribute))
                    .expressionAttributeValues(Map.of(":partition", s(partition)))
                    .projectionExpression("pk, sk");
            if (limit > 0) {
                b.limit(limit);
            }
        });
        for (Map<String, AttributeValue> item : pages.items()) {
            keys.add(Items.keyOf(item));
            if (limit > 0 && keys.size() == limit) {
                break;
            }
        }
        return keys;
    }

    /** The item written for {@code record}: public for the capacity simulation in bench, which sizes it. */
    public static Map<String, AttributeValue> item(CacheRecord cache, PathRecord record) {
        NarInfo info = record.info();
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(DynamoDbTableSchema.PK, s(pk(cache, record.hash())));
        item.put(DynamoDbTableSchema.SK, s(SK));
        item.put(DynamoDbTableSchema.GSI2_PK, s(PathListing.partition(cache, record.hash())));
        item.put(DynamoDbTableSchema.GSI2_SK, s(record.hash().value()));
        item.put("storePath", s(info.storePath().toString()));
        item.put("url", s(info.url()));
        item.put("compression", s(info.compression().narInfoName()));
        if (info.fileHash() != null) {
            item.put("fileHash", s(info.fileHash().toString()));
        }
        if (info.fileSize() != 0) {
            item.put("fileSize", n(info.fileSize()));
        }
        item.put("narHash", s(info.narHash().toString()));
        item.put("narSize", n(info.narSize()));
        item.put("references", Items.list(info.references().stream().map(StorePath::baseName).toList()));
        if (info.deriver() != null) {
            item.put("deriver", s(info.deriver().baseName()));
        }
        Items.putIfNotNull(item, "ca", info.ca());
        item.put("sigs", Items.list(info.sigs().stream().map(NarSignature::toString).toList()));
        item.put("state", s(record.state().wire()));
        Items.putIfNotNull(item, "reason", record.reason());
        Items.putIfNotNull(item, "attempt", record.attempt());
        item.put("updatedAt", instant(record.updatedAt()));
        return item;
    }

    static PathRecord record(Map<String, AttributeValue> item) {
        try {
            StorePath storePath = StorePath.parse(Items.string(item, "storePath"));
            String storeDir = storePath.storeDir();
            List<StorePath> references = new ArrayList<>();
            for (String reference : Items.strings(item, "references")) {
                references.add(StorePath.parseBaseName(storeDir, reference));
            }
            List<NarSignature> sigs = new ArrayList<>();
            for (String sig : Items.strings(item, "sigs")) {
                sigs.add(NarSignature.parse(sig));
            }
            String fileHash = Items.optionalString(item, "fileHash");
            String deriver = Items.optionalString(item, "deriver");
            NarInfo info = NarInfo.builder(storePath)
                    .url(Items.string(item, "url"))
                    .compression(Compression.parse(Items.string(item, "compression")))
                    .fileHash(fileHash == null ? null : Hash.parse(fileHash))
                    .fileSize(item.containsKey("fileSize") ? Items.number(item, "fileSize") : 0)
                    .narHash(Hash.parse(Items.string(item, "narHash")))
                    .narSize(Items.number(item, "narSize"))
                    .references(references)
                    .deriver(deriver == null ? null : StorePath.parseBaseName(storeDir, deriver))
                    .sigs(sigs)
                    .ca(Items.optionalString(item, "ca"))
                    .build();
            return new PathRecord(info,
                    PathState.fromWire(Items.string(item, "state")),
                    Items.optionalString(item, "reason"),
                    Items.instant(item, "updatedAt"),
                    Items.optionalString(item, "attempt"));
        } catch (NixFormatException | IllegalArgumentException e) {
            throw new IllegalStateException("path item " + item.get(DynamoDbTableSchema.PK).s()
                    + " does not hold a valid narinfo: " + e.getMessage(), e);
        }
    }
}
