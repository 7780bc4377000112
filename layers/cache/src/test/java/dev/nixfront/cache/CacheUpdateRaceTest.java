package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.CreateCacheRequest;
import dev.nixfront.api.UpdateCacheRequest;
import dev.nixfront.cache.fake.FakeKeyVault;
import dev.nixfront.cache.fake.FakePorts;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.CacheRecord;
import dev.nixfront.cache.port.CacheRepository;
import dev.nixfront.cache.port.EdgeStore;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * PATCH /v1/caches/{cache} reads, changes and writes: two at once must neither undo each other in
 * the table nor leave the read path's entry disagreeing with it (found by an outside review: a
 * priority change racing a switch to private left the cache public, after answering private).
 */
class CacheUpdateRaceTest {
    private final FakePorts fakes = new FakePorts();
    /** Set by a test: the thread whose get() pauses after reading, and the latches. */
    private volatile Thread pauseGetOf;
    private volatile Thread pauseEdgePutOf;
    private final CountDownLatch paused = new CountDownLatch(1);
    private final CountDownLatch resume = new CountDownLatch(1);

    private final CacheRepository caches = new CacheRepository() {
        public boolean create(CacheRecord cache, Instant replacing) { return fakes.caches.create(cache, replacing); }
        public Optional<CacheRecord> get(CacheName name) {
            Optional<CacheRecord> r = fakes.caches.get(name);
            if (Thread.currentThread() == pauseGetOf) pause();
            return r;
        }
        public List<CacheRecord> list() { return fakes.caches.list(); }
        public boolean markDeleted(CacheName name, String inc, Instant at) { return fakes.caches.markDeleted(name, inc, at); }
        public boolean update(CacheRecord current, boolean p, int prio) { return fakes.caches.update(current, p, prio); }
        public boolean updateGc(CacheRecord current, dev.nixfront.cache.port.GcPolicy policy) { return fakes.caches.updateGc(current, policy); }
        public boolean updateUpstreams(CacheRecord current, java.util.List<dev.nixfront.cache.port.UpstreamCache> u) { return fakes.caches.updateUpstreams(current, u); }
        public void delete(CacheName name) { fakes.caches.delete(name); }
    };
    private final EdgeStore edge = new EdgeStore() {
        public void put(Map<String, String> more) {
            if (Thread.currentThread() == pauseEdgePutOf) pause();
            fakes.edge.put(more);
        }
        public void delete(Collection<String> keys) { fakes.edge.delete(keys); }
        public Map<String, String> list() { return fakes.edge.list(); }
        public java.util.Optional<String> get(String key) { return fakes.edge.get(key); }
        public String version() { return fakes.edge.version(); }
        public String apply(Map<String, String> puts, Collection<String> deletes, String ifVersion) {
            return fakes.edge.apply(puts, deletes, ifVersion);
        }
    };
    private final Services services = Services.create(new dev.nixfront.cache.Ports(fakes.objects, caches, fakes.paths, fakes.nars,
            fakes.tokens, new FakeKeyVault(), fakes.queue, fakes.metrics, edge, fakes.roots, fakes.pins, fakes.usage,
            fakes.collections, fakes.collectionQueue, fakes.edgeCache),
            CacheSettings.defaults("https://cache.example.org/"), fakes.clock, new SecureRandom());

    private void pause() {
        paused.countDown();
        try {
            resume.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new RuntimeException(e);
        }
    }

    private boolean tablePrivate() {
        return fakes.caches.get(CacheName.of("team")).orElseThrow().privateCache();
    }

    @Test
    void aPriorityChangeRacingMakePrivateKeepsTheCachePrivate() throws Exception {
        services.caches().create(ADMIN, new CreateCacheRequest("team", null, null, null));
        CompletableFuture<Void> priority = new CompletableFuture<>();
        Thread b = Thread.ofPlatform().unstarted(() -> {
            services.caches().update(ADMIN, "team", new UpdateCacheRequest(null, 5));
            priority.complete(null);
        });
        pauseGetOf = b;
        b.start();
        paused.await(10, TimeUnit.SECONDS);               // B has read the cache while it was public
        assertThat(services.caches().update(ADMIN, "team", new UpdateCacheRequest(true, null)).privateCache())
                .as("the admin is told the cache is private").isTrue();
        resume.countDown();
        priority.get(10, TimeUnit.SECONDS);
        assertThat(fakes.edge.list().get("c:team")).as("the read path's entry").startsWith("{\"p\":true");
        assertThat(tablePrivate()).as("the table").isTrue();
    }

    @Test
    void makePublicAndMakePrivateRacingLeaveTheReadPathAsTheTable() throws Exception {
        services.caches().create(ADMIN, new CreateCacheRequest("team", null, null, null));
        CompletableFuture<Void> makePublic = new CompletableFuture<>();
        Thread a = Thread.ofPlatform().unstarted(() -> {
            services.caches().update(ADMIN, "team", new UpdateCacheRequest(false, null));
            makePublic.complete(null);
        });
        pauseEdgePutOf = a;
        a.start();
        paused.await(10, TimeUnit.SECONDS);               // A wrote the table (public), not yet the store
        services.caches().update(ADMIN, "team", new UpdateCacheRequest(true, null));
        resume.countDown();
        makePublic.get(10, TimeUnit.SECONDS);
        assertThat(tablePrivate()).as("the table: last write was private").isTrue();
        assertThat(fakes.edge.list().get("c:team")).as("the read path's entry must agree with the table")
                .startsWith("{\"p\":true");
    }
}
