package dev.nixfront.cli.push;

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
 * cache, or skipped) and self-references impose no order.
 */
final class TopologicalOrder {
    private TopologicalOrder() {}

    /**
     * @param items      the paths to order, in any order
     * @param key        the store path of an item
     * @param references the store paths an item references
     * @throws IllegalArgumentException on a reference cycle, which a Nix store cannot hold
     */
    static <T> List<T> of(Collection<T> items, Function<T, String> key, Function<T, Collection<String>> references) {
        Map<String, T> byKey = new LinkedHashMap<>();
        for (T item : items) {
            byKey.put(key.apply(item), item);
        }
        Map<String, Integer> unresolved = new HashMap<>();
        Map<String, List<String>> referrers = new HashMap<>();
        for (T item : byKey.values()) {
            String self = key.apply(item);
            int count = 0;
            for (String ref : references.apply(item)) {
                if (!ref.equals(self) && byKey.containsKey(ref)) {
                    referrers.computeIfAbsent(ref, k -> new ArrayList<>()).add(self);
                    count++;
                }
            }
            unresolved.put(self, count);
        }
        Deque<String> ready = new ArrayDeque<>();
        byKey.keySet().stream().filter(k -> unresolved.get(k) == 0).forEach(ready::add);
        List<T> ordered = new ArrayList<>(byKey.size());
        while (!ready.isEmpty()) {
            String next = ready.poll();
            ordered.add(byKey.get(next));
            for (String referrer : referrers.getOrDefault(next, List.of())) {
                if (unresolved.merge(referrer, -1, Integer::sum) == 0) {
                    ready.add(referrer);
                }
            }
        }
        if (ordered.size() != byKey.size()) {
            throw new IllegalArgumentException("the store paths reference each other in a cycle");
        }
        return ordered;
    }
}
