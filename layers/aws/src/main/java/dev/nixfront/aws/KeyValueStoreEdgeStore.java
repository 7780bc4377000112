package dev.nixfront.aws;

import dev.nixfront.cache.port.EdgeStore;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import software.amazon.awssdk.services.cloudfrontkeyvaluestore.CloudFrontKeyValueStoreClient;
import software.amazon.awssdk.services.cloudfrontkeyvaluestore.model.CloudFrontKeyValueStoreException;
import software.amazon.awssdk.services.cloudfrontkeyvaluestore.model.ConflictException;
import software.amazon.awssdk.services.cloudfrontkeyvaluestore.model.DeleteKeyRequestListItem;
import software.amazon.awssdk.services.cloudfrontkeyvaluestore.model.ListKeysResponseListItem;
import software.amazon.awssdk.services.cloudfrontkeyvaluestore.model.PutKeyRequestListItem;
import software.amazon.awssdk.services.cloudfrontkeyvaluestore.model.ResourceNotFoundException;

/**
 * The read path's {@link EdgeStore} in AWS: a CloudFront KeyValueStore, written through its data-plane
 * API. Every write is one {@code UpdateKeys} (at most {@link EdgeStore#MAX_BATCH} changes, all or
 * nothing) guarded by the store's current ETag ({@code If-Match}, read with
 * {@code DescribeKeyValueStore}); when another writer changed the store in between, the service refuses
 * with a conflict, and the write reads the new ETag and tries again, {@link #MAX_ATTEMPTS} times in all.
 * Its IAM: {@code cloudfront-keyvaluestore:DescribeKeyValueStore}, {@code UpdateKeys},
 * {@code ListKeys} and {@code GetKey} on this store's ARN.
 */
public final class KeyValueStoreEdgeStore implements EdgeStore {
    /** Tries of one write: a conflict means another writer got in first, which resolves in a few. */
    static final int MAX_ATTEMPTS = 5;

    private final CloudFrontKeyValueStoreClient client;
    private final String storeArn;

    public KeyValueStoreEdgeStore(CloudFrontKeyValueStoreClient client, String storeArn) {
        this.client = Objects.requireNonNull(client, "client");
        this.storeArn = Objects.requireNonNull(storeArn, "storeArn");
    }

    @Override
    public void put(Map<String, String> entries) {
        update(entries.entrySet().stream()
                .map(e -> PutKeyRequestListItem.builder().key(e.getKey()).value(e.getValue()).build())
                .toList(), List.of());
    }

    @Override
    public void delete(Collection<String> keys) {
        update(List.of(), keys.stream().map(key -> DeleteKeyRequestListItem.builder().key(key).build()).toList());
    }

    @Override
    public Map<String, String> list() {
        Map<String, String> entries = new TreeMap<>();
        for (ListKeysResponseListItem item : client.listKeysPaginator(r -> r.kvsARN(storeArn)).items()) {
            entries.put(item.key(), item.value());
        }
        return entries;
    }

    @Override
    public Optional<String> get(String key) {
        try {
            return Optional.of(client.getKey(r -> r.kvsARN(storeArn).key(key)).value());
        } catch (ResourceNotFoundException missing) {
            // The store answers 404 for a key it does not hold; a store that is not there fails the
            // calls that write it, which every caller of get() makes next.
            return Optional.empty();
        }
    }

    @Override
    public String version() {
        return client.describeKeyValueStore(r -> r.kvsARN(storeArn)).eTag();
    }

    @Override
    public String apply(Map<String, String> puts, Collection<String> deletes, String ifVersion) {
        List<PutKeyRequestListItem> putItems = puts.entrySet().stream()
                .map(e -> PutKeyRequestListItem.builder().key(e.getKey()).value(e.getValue()).build()).toList();
        List<DeleteKeyRequestListItem> deleteItems = deletes.stream().map(key -> DeleteKeyRequestListItem.builder().key(key).build())
                .toList();
        if (putItems.size() + deleteItems.size() > MAX_BATCH) {
            throw new IllegalArgumentException("at most " + MAX_BATCH + " keys per KeyValueStore update, got "
                    + (putItems.size() + deleteItems.size()));
        }
        if (putItems.isEmpty() && deleteItems.isEmpty()) {
            return ifVersion;
        }
        try {
            return client.updateKeys(r -> {
                r.kvsARN(storeArn).ifMatch(ifVersion);
                if (!putItems.isEmpty()) {
                    r.puts(putItems);
                }
                if (!deleteItems.isEmpty()) {
                    r.deletes(deleteItems);
                }
            }).eTag();
        } catch (CloudFrontKeyValueStoreException e) {
            if (isConflict(e)) {
                throw new Conflict("the KeyValueStore " + storeArn + " changed since ETag " + ifVersion, e);
            }
            throw e;
        }
    }

    private void update(List<PutKeyRequestListItem> puts, List<DeleteKeyRequestListItem> deletes) {
        int changes = puts.size() + deletes.size();
        if (changes == 0) {
            return;
        }
        if (changes > MAX_BATCH) {
            throw new IllegalArgumentException("at most " + MAX_BATCH + " keys per KeyValueStore update, got " + changes);
        }
        CloudFrontKeyValueStoreException conflict = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            String etag = client.describeKeyValueStore(r -> r.kvsARN(storeArn)).eTag();
            try {
                client.updateKeys(r -> {
                    r.kvsARN(storeArn).ifMatch(etag);
                    if (!puts.isEmpty()) {
                        r.puts(puts);
                    }
                    if (!deletes.isEmpty()) {
                        r.deletes(deletes);
                    }
                });
                return;
            } catch (CloudFrontKeyValueStoreException e) {
                if (!isConflict(e)) {
                    throw e;
                }
                conflict = e;
            }
        }
        throw new IllegalStateException("the KeyValueStore " + storeArn + " changed under each of " + MAX_ATTEMPTS
                + " updates (ETag conflicts)", conflict);
    }

    /** A stale ETag: the service answers ConflictException (409), or a bare 412 precondition failure. */
    private static boolean isConflict(CloudFrontKeyValueStoreException e) {
        return e instanceof ConflictException || e.statusCode() == 409 || e.statusCode() == 412;
    }
}
