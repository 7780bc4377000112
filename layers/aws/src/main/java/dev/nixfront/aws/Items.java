package dev.nixfront.aws;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Attribute conversions and the batch loops shared by the DynamoDB adapters. Batches follow the
 * service limits (100 keys per BatchGetItem, 25 writes per BatchWriteItem) and resend what DynamoDB
 * hands back as unprocessed, with a short exponential backoff, as its documentation asks.
 */
final class Items {
    static final int BATCH_GET_LIMIT = 100;
    /** How many BatchGetItem calls of one lookup run at once: as many connections as the JDK keeps alive per host (http.maxConnections), which the SDK's URL-connection client uses. */
    static final int BATCH_GET_PARALLELISM = 5;
    static final int BATCH_WRITE_LIMIT = 25;
    private static final int MAX_ATTEMPTS = 10;
    private static final long FIRST_BACKOFF_MILLIS = 10;
    private static final long MAX_BACKOFF_MILLIS = 1_000;
    private static final DateTimeFormatter SORTABLE = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Items() {
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static AttributeValue b(byte[] value) {
        return AttributeValue.fromB(SdkBytes.fromByteArray(value));
    }

    static AttributeValue bool(boolean value) {
        return AttributeValue.fromBool(value);
    }

    static AttributeValue list(List<String> values) {
        return AttributeValue.fromL(values.stream().map(AttributeValue::fromS).toList());
    }

    static AttributeValue instant(Instant value) {
        return AttributeValue.fromS(value.toString());
    }

    /**
     * An instant as ISO-8601 text of fixed width, nine fraction digits always
     * ({@code 2026-11-25T17:00:00.000000000Z}), for attributes a condition compares: DynamoDB orders
     * strings by their bytes, which is time order only at one width ({@link Instant#toString} drops
     * zero fractions, and {@code ...00Z} sorts after {@code ...00.5Z}). {@link Instant#parse} reads it.
     */
    static AttributeValue sortableInstant(Instant value) {
        return AttributeValue.fromS(SORTABLE.format(value));
    }

    /** Puts {@code name} only when the value is present: DynamoDB items have no nulls. */
    static void putIfNotNull(Map<String, AttributeValue> item, String name, String value) {
        if (value != null) {
            item.put(name, s(value));
        }
    }

    static void putIfNotNull(Map<String, AttributeValue> item, String name, Instant value) {
        if (value != null) {
            item.put(name, instant(value));
        }
    }

    static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of(DynamoDbTableSchema.PK, s(pk), DynamoDbTableSchema.SK, s(sk));
    }

    static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null || value.s() == null) {
            throw corrupt(item, name);
        }
        return value.s();
    }

    static String optionalString(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    static long number(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null || value.n() == null) {
            throw corrupt(item, name);
        }
        return Long.parseLong(value.n());
    }

    static boolean bool(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null || value.bool() == null) {
            throw corrupt(item, name);
        }
        return value.bool();
    }

    static byte[] bytes(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null || value.b() == null) {
            throw corrupt(item, name);
        }
        return value.b().asByteArray();
    }

    static List<String> strings(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        if (value == null || !value.hasL()) {
            throw corrupt(item, name);
        }
        return value.l().stream().map(AttributeValue::s).toList();
    }

    static Instant instant(Map<String, AttributeValue> item, String name) {
        return Instant.parse(string(item, name));
    }

    static Instant optionalInstant(Map<String, AttributeValue> item, String name) {
        String text = optionalString(item, name);
        return text == null ? null : Instant.parse(text);
    }

    static IllegalStateException corrupt(Map<String, AttributeValue> item, String name) {
        AttributeValue pk = item.get(DynamoDbTableSchema.PK);
        return new IllegalStateException("item " + (pk == null ? "?" : pk.s()) + " has no valid '" + name + "' attribute");
    }

    /**
     * Reads the items with these keys, strongly consistent, in batches of 100, up to
     * {@value #BATCH_GET_PARALLELISM} batches at once; absent keys are skipped, and the items come
     * in no particular order. Side by side because a lookup of a large closure is many batches
     * (a {@code missing} request of 10,000 hashes is 100), each a round trip that answers nothing
     * the next one needs.
     */
    static List<Map<String, AttributeValue>> batchGet(DynamoDbClient dynamoDb, String table,
                                                      List<Map<String, AttributeValue>> keys) {
        List<Callable<List<Map<String, AttributeValue>>>> batches = new ArrayList<>();
        for (int start = 0; start < keys.size(); start += BATCH_GET_LIMIT) {
            List<Map<String, AttributeValue>> chunk = keys.subList(start, Math.min(keys.size(), start + BATCH_GET_LIMIT));
            batches.add(() -> batchGetOne(dynamoDb, table, chunk));
        }
        List<Map<String, AttributeValue>> found = new ArrayList<>();
        Parallel.all(batches, BATCH_GET_PARALLELISM).forEach(found::addAll);
        return found;
    }

    private static List<Map<String, AttributeValue>> batchGetOne(DynamoDbClient dynamoDb, String table,
                                                                 List<Map<String, AttributeValue>> chunk) {
        List<Map<String, AttributeValue>> found = new ArrayList<>();
        Map<String, KeysAndAttributes> request = Map.of(table, KeysAndAttributes.builder().keys(chunk).consistentRead(true).build());
        for (int attempt = 1; !request.isEmpty(); attempt++) {
            if (attempt > 1) {
                backoff(attempt, "BatchGetItem on " + table);
            }
            Map<String, KeysAndAttributes> send = request;
            BatchGetItemResponse response = dynamoDb.batchGetItem(b -> b.requestItems(send));
            found.addAll(response.responses().getOrDefault(table, List.of()));
            request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
        }
        return found;
    }

    /** Deletes the items with these keys in batches of 25. */
    static void batchDelete(DynamoDbClient dynamoDb, String table, List<Map<String, AttributeValue>> keys) {
        for (int start = 0; start < keys.size(); start += BATCH_WRITE_LIMIT) {
            List<WriteRequest> writes = keys.subList(start, Math.min(keys.size(), start + BATCH_WRITE_LIMIT)).stream()
                    .map(k -> WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(k).build()).build())
                    .toList();
            Map<String, List<WriteRequest>> request = Map.of(table, writes);
            for (int attempt = 1; !request.isEmpty(); attempt++) {
                if (attempt > 1) {
                    backoff(attempt, "BatchWriteItem on " + table);
                }
                Map<String, List<WriteRequest>> send = request;
                BatchWriteItemResponse response = dynamoDb.batchWriteItem(b -> b.requestItems(send));
                request = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
            }
        }
    }

    static Map<String, AttributeValue> keyOf(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> key = new HashMap<>(2);
        key.put(DynamoDbTableSchema.PK, item.get(DynamoDbTableSchema.PK));
        key.put(DynamoDbTableSchema.SK, item.get(DynamoDbTableSchema.SK));
        return key;
    }

    private static void backoff(int attempt, String what) {
        if (attempt > MAX_ATTEMPTS) {
            throw new IllegalStateException(what + " still had unprocessed items after " + MAX_ATTEMPTS + " attempts");
        }
        long millis = Math.min(MAX_BACKOFF_MILLIS, FIRST_BACKOFF_MILLIS << (attempt - 2));
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying " + what, e);
        }
    }
}
