package dev.nixfront.cache.fake;

import dev.nixfront.cache.Ports;
import dev.nixfront.cache.port.CollectionQueue;
import java.time.Instant;

/** One set of port fakes sharing a clock, for tests outside this module. */
public final class FakePorts {
    public final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T17:00:00Z"));
    public final MemoryObjectStore objects = new MemoryObjectStore(clock);
    public final MemoryCacheRepository caches = new MemoryCacheRepository();
    public final MemoryPathIndex paths = new MemoryPathIndex();
    public final MemoryNarRegistry nars = new MemoryNarRegistry();
    public final MemoryTokenRepository tokens = new MemoryTokenRepository();
    public final RecordingQueue queue = new RecordingQueue();
    public final RecordingMetrics metrics = new RecordingMetrics();
    public final MemoryEdgeStore edge = new MemoryEdgeStore();
    public final MemoryRootRepository roots = new MemoryRootRepository();
    public final MemoryPinRepository pins = new MemoryPinRepository();
    public final MemoryUsageCounter usage = new MemoryUsageCounter();
    public final MemoryCollectionRepository collections = new MemoryCollectionRepository();
    public final RecordingCollectionQueue collectionQueue = new RecordingCollectionQueue();
    /** Collections run inline (as in the local stack) unless a test wants them queued as jobs (as in AWS). */
    public volatile boolean queueCollections;
    public final RecordingEdgeCache edgeCache = new RecordingEdgeCache();
    public final MemoryUpstream upstream = new MemoryUpstream();
    public final MemoryTrustRepository trusts = new MemoryTrustRepository();

    public Ports ports() {
        return new Ports(objects, caches, paths, nars, tokens, new FakeKeyVault(), queue, metrics, edge, roots, pins, usage, collections,
                queueCollections ? collectionQueue : CollectionQueue.NONE, edgeCache, upstream, trusts);
    }
}
