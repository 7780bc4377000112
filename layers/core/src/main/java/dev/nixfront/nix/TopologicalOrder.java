package dev.nixfront.nix;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Orders store paths so that every path comes after the paths it references: a cache refuses a
 * narinfo whose references it does not hold yet. References outside the given set (already in the
 * cache, or skipped) and self-references impose no order. The one sort the CLI's push and the
 * cache's publish share (Kahn's algorithm; among paths ready at once, the given order is kept).
 */
public final class TopologicalOrder {
    private TopologicalOrder() {}

    /**
     * @param items      the paths to order, in any order; items with the same key count once
     * @param key        the store path of an item
     * @param references the store paths an item references
     * @throws IllegalArgumentException on a reference cycle, which a Nix store cannot hold
     */
    public static <T, K> List<T> of(Collection<T> items, Function<T, K> key, Function<T, ? extends Collection<K>> references) {
        List<T> ordered = partial(items, key, references);
        if (ordered.size() != items.stream().map(key).distinct().count()) {
            throw new IllegalArgumentException("the store paths reference each other in a cycle");
        }
        return ordered;
    }

    /**
     * The items that can be ordered, in order: those on a reference cycle, or referencing one, are
     * left out. For callers that name the path at fault or keep the rest as they are; compare sizes
     * with the distinct keys of {@code items} to tell.
     */
    public static <T, K> List<T> partial(Collection<T> items, Function<T, K> key, Function<T, ? extends Collection<K>> references) {
        Map<K, T> byKey = index(items, key);
        Map<K, Integer> unresolved = new HashMap<>();
        Map<K, List<K>> referrers = new HashMap<>();
        for (Map.Entry<K, T> entry : byKey.entrySet()) {
            K self = entry.getKey();
            int count = 0;
            for (K ref : references.apply(entry.getValue())) {
                if (!ref.equals(self) && byKey.containsKey(ref)) {
                    referrers.computeIfAbsent(ref, k -> new ArrayList<>()).add(self);
                    count++;
                }
            }
            unresolved.put(self, count);
        }
        Deque<K> ready = new ArrayDeque<>();
        byKey.keySet().stream().filter(k -> unresolved.get(k) == 0).forEach(ready::add);
        List<T> ordered = new ArrayList<>(byKey.size());
        while (!ready.isEmpty()) {
            K next = ready.poll();
            ordered.add(byKey.get(next));
            for (K referrer : referrers.getOrDefault(next, List.of())) {
                if (unresolved.merge(referrer, -1, Integer::sum) == 0) {
                    ready.add(referrer);
                }
            }
        }
        return ordered;
    }

    private static <T, K> Map<K, T> index(Collection<T> items, Function<T, K> key) {
        Map<K, T> byKey = new LinkedHashMap<>();
        for (T item : items) {
            byKey.put(key.apply(item), item);
        }
        return byKey;
    }
}
