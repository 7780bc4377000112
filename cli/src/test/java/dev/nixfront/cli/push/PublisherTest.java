package dev.nixfront.cli.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nixfront.api.PublishRequest;
import dev.nixfront.nix.Hash;
import dev.nixfront.nix.StorePath;
import dev.nixfront.nix.StorePathHash;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a push cuts its publish batches to stay within what the server asks of the cache's upstreams for one request. */
class PublisherTest {
    private static StorePath path(String name) {
        byte[] digest = Hash.sha256(name.getBytes(StandardCharsets.UTF_8)).bytes();
        return new StorePath(StorePath.DEFAULT_STORE_DIR, StorePathHash.of(Arrays.copyOf(digest, 20)), name);
    }

    private static LocalPath local(String name, List<StorePath> references) {
        return new LocalPath(path(name), Hash.sha256(name.getBytes(StandardCharsets.UTF_8)), 100, references, null, null);
    }

    @Test
    void aBatchEndsBeforeThePathWhoseUpstreamReferencesWouldTakeItPastTheServersBound() {
        Map<StorePath, Integer> lookups = new HashMap<>();
        List<LocalPath> batch = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            List<StorePath> refs = new ArrayList<>();
            for (int j = 0; j < 100; j++) {
                StorePath lib = path("lib-" + i + "-" + j);
                lookups.put(lib, 1);
                refs.add(lib);
            }
            batch.add(local("app-" + i, refs));
        }
        assertThat(PublishRequest.MAX_UPSTREAM_LOOKUPS).isEqualTo(1000);
        assertThat(Publisher.withinUpstreamLookups(batch, p -> lookups.getOrDefault(p, 0))).isEqualTo(10);
        // Served by the second upstream, a reference costs the server two requests.
        assertThat(Publisher.withinUpstreamLookups(batch, p -> 2 * lookups.getOrDefault(p, 0))).isEqualTo(5);
    }

    @Test
    void sharedReferencesPathsOfTheBatchAndPathsTheCacheHasCostNothingMore() {
        StorePath glibc = path("glibc");
        List<LocalPath> batch = new ArrayList<>();
        batch.add(local("base", List.of(glibc)));
        for (int i = 0; i < 199; i++) {
            batch.add(local("app-" + i, List.of(glibc, batch.getFirst().path(), path("in-the-cache-" + i))));
        }
        assertThat(Publisher.withinUpstreamLookups(batch, p -> p.equals(glibc) ? 1 : 0)).isEqualTo(200);
        // A single path past the bound still goes, alone: the server says why it refuses it.
        List<StorePath> many = new ArrayList<>();
        for (int j = 0; j < 1001; j++) {
            many.add(path("many-" + j));
        }
        assertThat(Publisher.withinUpstreamLookups(List.of(local("huge", many), local("next", List.of())), p -> 1)).isEqualTo(1);
    }
}
