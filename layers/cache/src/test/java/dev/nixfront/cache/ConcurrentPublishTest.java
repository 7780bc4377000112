package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResponse;
import dev.nixfront.api.PublishResult;
import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.PathState;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.sign.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;

class ConcurrentPublishTest {
    @RepeatedTest(5)
    void twoPublishersOfOverlappingClosuresBothSucceedAndEveryPathIsPublishedOnce() throws Exception {
        Fixture f = new Fixture();
        PublicKey key = PublicKey.parse(f.createCache("team").publicKey());
        // A chain base <- mid_i <- top_i; client A pushes everything up to top0..top9, client B
        // up to top5..top14: base and mid5..mid9 overlap.
        Fixture.Nar base = nar("base");
        List<Fixture.Nar> mids = new ArrayList<>();
        List<Fixture.Nar> tops = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            Fixture.Nar mid = nar("mid" + i, base.path());
            mids.add(mid);
            tops.add(nar("top" + i, mid.path(), base.path()));
        }
        f.upload("team", base);
        mids.forEach(n -> f.upload("team", n));
        tops.forEach(n -> f.upload("team", n));
        List<Fixture.Nar> a = new ArrayList<>(List.of(base));
        List<Fixture.Nar> b = new ArrayList<>(List.of(base));
        for (int i = 0; i < 15; i++) {
            if (i < 10) {
                a.add(mids.get(i));
                a.add(tops.get(i));
            }
            if (i >= 5) {
                b.add(mids.get(i));
                b.add(tops.get(i));
            }
        }
        Collections.shuffle(a);
        Collections.shuffle(b);

        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<PublishResponse>> results = new ArrayList<>();
            for (List<Fixture.Nar> batch : List.of(a, b)) {
                results.add(pool.submit(() -> {
                    start.await();
                    return f.services.publish().publish(ADMIN, "team", new PublishRequest(batch.stream().map(Fixture.Nar::info).toList()));
                }));
            }
            start.countDown();
            for (Future<PublishResponse> r : results) {
                assertThat(r.get(60, TimeUnit.SECONDS).results()).extracting(PublishResult::state).containsOnly("published");
            }
        } finally {
            pool.shutdownNow();
        }

        List<Fixture.Nar> all = new ArrayList<>(List.of(base));
        all.addAll(mids);
        all.addAll(tops);
        for (Fixture.Nar n : all) {
            StorePath p = n.path();
            NarInfo info = NarInfo.parse(f.objects.object("team/" + p.hash() + ".narinfo").orElseThrow().body(), "/nix/store");
            assertThat(info.verifiedBy(key)).isTrue();
            assertThat(info.narHash().toString()).isEqualTo(n.info().narHash());
            assertThat(f.objects.object("team/" + info.url()).orElseThrow().body()).isEqualTo(n.file());
            assertThat(f.paths.record(CacheName.of("team"), p.hash()).orElseThrow().state()).isEqualTo(PathState.PUBLISHED);
            assertThat(f.paths.writes()).filteredOn(w -> w.endsWith(p.hash().value())).hasSize(1);
            assertThat(f.objects.writes()).filteredOn(w -> w.equals("put team/" + p.hash() + ".narinfo")).hasSize(1);
        }
        assertThat(f.metrics.total("PathsPublished")).isEqualTo(all.size());
    }
}
