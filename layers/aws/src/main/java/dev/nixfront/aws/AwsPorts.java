package dev.nixfront.aws;

import dev.nixfront.cache.Ports;
import dev.nixfront.cache.port.CollectionQueue;
import dev.nixfront.cache.port.EdgeCache;
import dev.nixfront.cache.port.EdgeStore;
import dev.nixfront.cache.port.KeyVault;
import dev.nixfront.cache.port.Metrics;
import dev.nixfront.cache.port.VerificationQueue;

/**
 * The storage adapters over one bucket and one table, the same in Lambda and in local mode; what
 * differs between the two (how keys are sealed, where verify jobs go, where metrics are written)
 * is passed in (where collection jobs go too), and so are the read path's {@link EdgeStore} (the local
 * read server's map; in Lambda {@link KeyValueStoreEdgeStore} for the admin function, {@link EdgeStore#NONE}
 * for the others) and the {@link EdgeCache} a deleted cache is invalidated in ({@link EdgeCache#NONE}
 * locally, where the read server keeps no copies; CloudFront in Lambda).
 */
public final class AwsPorts {
    private AwsPorts() {}

    public static Ports create(AwsClients clients, String bucket, String table, KeyVault keys, VerificationQueue queue,
                               Metrics metrics, EdgeStore edge, CollectionQueue collectionQueue, EdgeCache edgeCache) {
        return new Ports(
                S3ObjectStore.create(clients, bucket),
                new DynamoDbCacheRepository(clients.dynamoDb(), table),
                new DynamoDbPathIndex(clients.dynamoDb(), table),
                new DynamoDbNarRegistry(clients.dynamoDb(), table),
                new DynamoDbTokenRepository(clients.dynamoDb(), table),
                keys, queue, metrics, edge,
                new DynamoDbRootRepository(clients.dynamoDb(), table),
                new DynamoDbPinRepository(clients.dynamoDb(), table),
                new DynamoDbUsageCounter(clients.dynamoDb(), table),
                new DynamoDbCollectionRepository(clients.dynamoDb(), table), collectionQueue, edgeCache, new HttpUpstreamClient(),
                new DynamoDbTrustRepository(clients.dynamoDb(), table));
    }
}
