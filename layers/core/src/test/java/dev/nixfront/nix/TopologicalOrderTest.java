package dev.nixfront.nix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopologicalOrderTest {
    private static List<String> order(Map<String, List<String>> graph) {
        return TopologicalOrder.of(graph.keySet(), k -> k, graph::get);
    }

    @Test
    void referencesComeBeforeReferrers() {
        Map<String, List<String>> graph = Map.of(
                "app", List.of("lib", "glibc", "app"),
                "lib", List.of("glibc"),
                "glibc", List.of(),
                "doc", List.of("outside-the-set"));
        List<String> ordered = order(graph);
        assertThat(ordered).containsExactlyInAnyOrder("app", "lib", "glibc", "doc");
        assertThat(ordered.indexOf("glibc")).isLessThan(ordered.indexOf("lib"));
        assertThat(ordered.indexOf("lib")).isLessThan(ordered.indexOf("app"));
    }

    @Test
    void partialLeavesOutTheCycleAndWhatReferencesIt() {
        Map<String, List<String>> graph = new LinkedHashMap<>();
        graph.put("glibc", List.of());
        graph.put("a", List.of("b", "glibc"));
        graph.put("b", List.of("a"));
        graph.put("app", List.of("a"));
        assertThat(TopologicalOrder.partial(graph.keySet(), k -> k, graph::get)).containsExactly("glibc");
    }

    @Test
    void aCycleIsRefused() {
        assertThatThrownBy(() -> order(Map.of("a", List.of("b"), "b", List.of("a"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cycle");
    }
}
