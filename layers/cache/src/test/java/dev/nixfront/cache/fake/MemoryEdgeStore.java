package dev.nixfront.cache.fake;

import dev.nixfront.cache.MapEdgeStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The read path's store in memory, counting the size of every write and letting a test act before a conditional one. */
public final class MemoryEdgeStore extends MapEdgeStore {
    private final List<Integer> batches = new ArrayList<>();
    /** Runs before every conditional apply (a test writes as another writer there). */
    public volatile Runnable beforeApply = () -> { };

    /** The cache and token entries ({@code c:} and {@code t:}), without the reconciler's {@code s:filled}. */
    public synchronized Map<String, String> entries() {
        Map<String, String> managed = new TreeMap<>(list());
        managed.keySet().removeIf(key -> key.startsWith("s:"));
        return managed;
    }

    /** The size of every put and delete so far, in order. */
    public synchronized List<Integer> batches() {
        return List.copyOf(batches);
    }

    @Override
    protected synchronized void written(int size) {
        super.written(size);
        batches.add(size);
    }

    @Override
    protected void beforeApply() {
        beforeApply.run();
    }
}
