package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.CollectionQueue;
import dev.nixfront.cache.port.CollectionRepository;
import dev.nixfront.cache.port.EdgeCache;
import dev.nixfront.cache.port.EdgeStore;
import dev.nixfront.cache.port.KeyVault;
import dev.nixfront.cache.port.Metrics;
import dev.nixfront.cache.port.NarRegistry;
import dev.nixfront.cache.port.ObjectStore;
import dev.nixfront.cache.port.PathIndex;
import dev.nixfront.cache.port.PinRepository;
import dev.nixfront.cache.port.RootRepository;
import dev.nixfront.cache.port.TokenRepository;
import dev.nixfront.cache.port.TrustRepository;
import dev.nixfront.cache.port.UpstreamClient;
import dev.nixfront.cache.port.UsageCounter;
import dev.nixfront.cache.port.VerificationQueue;
import java.util.Objects;

/**
 * Every backend the services need, in one value: AWS adapters in Lambda, local ones in local mode, fakes in tests.
 *
 * @param nars  who uses each NAR object, which collections and publishes meet on ({@link NarRegistry})
 * @param edge  what the read path checks private caches against ({@link EdgeStore})
 * @param roots the roots pushes report, {@link RootRepository}
 * @param pins  named roots, {@link PinRepository}
 * @param usage what each cache holds, {@link UsageCounter}
 * @param collections     the collection holding each cache, or the last one's outcome ({@link CollectionRepository})
 * @param collectionQueue where collections that outlast a request run ({@link CollectionQueue#NONE}: inline)
 * @param edgeCache the CDN's copies of the bucket, dropped when a cache is deleted ({@link EdgeCache})
 * @param upstreams where narinfos of upstream caches are fetched ({@link UpstreamClient#NONE}: nowhere), and
 *                  OpenID Connect issuers' keys
 * @param trusts    the caches' OpenID Connect trusts ({@link TrustRepository#NONE}: none)
 */
public record Ports(ObjectStore objects, CacheRepository caches, PathIndex paths, NarRegistry nars, TokenRepository tokens,
                   KeyVault keys, VerificationQueue queue, Metrics metrics, EdgeStore edge,
                   RootRepository roots, PinRepository pins, UsageCounter usage, CollectionRepository collections,
                   CollectionQueue collectionQueue, EdgeCache edgeCache, UpstreamClient upstreams, TrustRepository trusts) {
    public Ports {
        Objects.requireNonNull(objects, "objects");
        Objects.requireNonNull(caches, "caches");
        Objects.requireNonNull(paths, "paths");
        Objects.requireNonNull(nars, "nars");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(edge, "edge");
        Objects.requireNonNull(roots, "roots");
        Objects.requireNonNull(pins, "pins");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(collections, "collections");
        Objects.requireNonNull(collectionQueue, "collectionQueue");
        Objects.requireNonNull(edgeCache, "edgeCache");
        Objects.requireNonNull(upstreams, "upstreams");
        Objects.requireNonNull(trusts, "trusts");
    }

    /** Ports without trusts ({@link TrustRepository#NONE}). */
    public Ports(ObjectStore objects, CacheRepository caches, PathIndex paths, NarRegistry nars, TokenRepository tokens,
                 KeyVault keys, VerificationQueue queue, Metrics metrics, EdgeStore edge,
                 RootRepository roots, PinRepository pins, UsageCounter usage, CollectionRepository collections,
                 CollectionQueue collectionQueue, EdgeCache edgeCache, UpstreamClient upstreams) {
        this(objects, caches, paths, nars, tokens, keys, queue, metrics, edge, roots, pins, usage, collections, collectionQueue,
                edgeCache, upstreams, TrustRepository.NONE);
    }

    /** Ports that fetch from no upstream ({@link UpstreamClient#NONE}). */
    public Ports(ObjectStore objects, CacheRepository caches, PathIndex paths, NarRegistry nars, TokenRepository tokens,
                 KeyVault keys, VerificationQueue queue, Metrics metrics, EdgeStore edge,
                 RootRepository roots, PinRepository pins, UsageCounter usage, CollectionRepository collections,
                 CollectionQueue collectionQueue, EdgeCache edgeCache) {
        this(objects, caches, paths, nars, tokens, keys, queue, metrics, edge, roots, pins, usage, collections, collectionQueue,
                edgeCache, UpstreamClient.NONE);
    }
}
